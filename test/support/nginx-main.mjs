// A main nginx.conf like Debian's /etc/nginx/nginx.conf, with every path under `prefix`, that
// includes the generated site file. Plain JavaScript so both the e2e tests (TypeScript) and the
// benchmarks (bench/, plain Node) run nginx the same way.

/**
 * @param {string} prefix folder holding logs/, tmp/ and the pid file
 * @param {string} siteFile the generated site, as it would sit in sites-enabled/
 * @param {{ workers?: number | 'auto', connections?: number, errorLogLevel?: string }} [options] bench runs want
 *   more workers; the e2e stack logs at info, where nginx says why it closed a connection itself
 */
export function mainNginxConf(prefix, siteFile, { workers = 1, connections = 512, errorLogLevel = 'warn' } = {}) {
  const asRoot = process.getuid?.() === 0;
  return `# Harness main config, modelled on Debian's /etc/nginx/nginx.conf.
${asRoot ? '# Workers run as the harness user so they can read the temporary folders.\nuser root;\n' : ''}worker_processes ${workers};
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log ${errorLogLevel};

events {
    worker_connections ${connections};
}

http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;

    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;

    access_log ${prefix}/logs/access.log;
    gzip on;

    client_body_temp_path ${prefix}/tmp/body;
    proxy_temp_path ${prefix}/tmp/proxy;
    fastcgi_temp_path ${prefix}/tmp/fastcgi;
    uwsgi_temp_path ${prefix}/tmp/uwsgi;
    scgi_temp_path ${prefix}/tmp/scgi;

    include ${siteFile};
}
`;
}
