// Preloaded with `node --require` (NODE_OPTIONS) by the tests of a broken install: better-sqlite3's native part
// fails to load as it does when npm skipped the package's build or installed it for another platform. Only
// that addon: Temporal's own native part loads as usual.
'use strict';
const realDlopen = process.dlopen;
process.dlopen = function dlopen(module, filename, ...rest) {
  if (/better[-_]sqlite3/.test(String(filename))) {
    const err = new Error(`${filename}: invalid ELF header`);
    err.code = 'ERR_DLOPEN_FAILED';
    throw err;
  }
  return realDlopen.call(this, module, filename, ...rest);
};
