// Its own module so that the audit can read `.yo-rc.json` without loading the `new` path's checks.

/** The key this generator's answers are stored under in `.yo-rc.json`. */
export const STORE_KEY = 'generator-hardened-flask';
