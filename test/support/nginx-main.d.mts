export function mainNginxConf(
  prefix: string,
  siteFile: string,
  options?: { workers?: number | 'auto'; connections?: number; errorLogLevel?: string },
): string;
