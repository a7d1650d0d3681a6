// `npm run client sync --dry-run` (the `--` forgotten): npm takes `--dry-run` as its own option, sets
// `npm_config_dry_run=true` in the environment, and the CLI never sees the flag. A dry run would then write.
// Under npm, every long option of the CLI is looked for among npm's configs in the environment; one found
// means npm took it, and the command refuses (exit 2) before it reaches anything.
import type { Command } from 'commander';

/** Every long option of the program and its commands, without the dashes (`dry-run`, `wait`, …). */
export function longOptionsOf(program: Command): string[] {
  const names = new Set<string>();
  const walk = (command: Command): void => {
    for (const option of command.options) if (option.long) names.add(option.long.replace(/^--(no-)?/, ''));
    for (const sub of command.commands) walk(sub);
  };
  walk(program);
  return [...names].sort();
}

/**
 * The CLI's options that npm took for itself, as `--name`: set (not empty) as `npm_config_<name>` under
 * `npm run client`. Empty otherwise.
 */
export function flagsNpmTook(env: NodeJS.ProcessEnv, options: string[]): string[] {
  // Only under `npm run client`: through npx, the command's own flags come after its name and pass through,
  // and npx's (`--yes`) or an .npmrc's settings are npm's own business.
  if (env.npm_lifecycle_event !== 'client') return [];
  return options
    .filter((name) => {
      const value = env[`npm_config_${name.replace(/-/g, '_')}`];
      return value !== undefined && value !== '' && value !== 'false';
    })
    .map((name) => `--${name}`);
}

/** What the operator reads when npm took flags of theirs. */
export function npmTookMessage(flags: string[], argv: string[]): string {
  const command = argv.join(' ');
  return (
    `npm took ${flags.join(', ')} as its own option${flags.length > 1 ? 's' : ''}: the command never saw ` +
    `${flags.length > 1 ? 'them' : 'it'}, and would have run without. Nothing was done.\n` +
    `Run it as: npx feedback-sync ${command} ${flags.join(' ')}\n` +
    `or with npm's separator: npm run client -- ${command} ${flags.join(' ')}`
  );
}
