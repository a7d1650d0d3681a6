#!/usr/bin/env node
// The `feedback-sync` command (package.json "bin"; `npx feedback-sync …` in the project): the operator's
// command line, src/client.ts, run through tsx as `npm run client` runs it.
'use strict';
require('tsx/cjs/api').register();
require('../src/client.ts').runAsCommand();
