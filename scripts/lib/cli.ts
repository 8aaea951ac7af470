// What every script does with its command line, the same way: `--help` prints the usage on stdout
// and exits 0; a bad option or argument prints one line on stderr (the problem and "see --help")
// and exits 2; any other failure prints one line, never a stack trace (SCEP_DEBUG=1 adds it).
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs with --help (-h) added; exits on --help and on options it does not know. */
export function parseCommandLine<O extends Options>(script: string, usage: string, options: O, argv = process.argv.slice(2)) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O & { help: { type: "boolean"; short: "h" } }; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } } as O & { help: { type: "boolean"; short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return usageExit(script, e instanceof Error ? e.message : String(e));
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

export function usageExit(script: string, message: string): never {
  // Node's messages end with advice about "--" that does not apply here; the first sentence is enough.
  const line = message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "");
  process.stderr.write(`${script}: ${line} (see --help)\n`);
  process.exit(2);
}

/**
 * Runs main(); a UsageError exits 2, anything else 1, each with one line on stderr. A number from
 * main is the exit code (at once: idle keep-alive sockets would hold the process a few seconds);
 * without one the process ends when nothing is left running (a server main keeps it alive).
 */
export function runMain(script: string, main: () => unknown): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (typeof code === "number") process.exit(code);
      },
      (e: unknown) => {
        if (e instanceof UsageError) usageExit(script, e.message);
        const err = e as Error & { cause?: unknown };
        const cause = err?.cause instanceof Error ? ` (${err.cause.message})` : "";
        process.stderr.write(`${script}: ${err instanceof Error ? err.message : String(e)}${cause}\n`);
        if (process.env.SCEP_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
        process.exit(1);
      },
    );
}

/** An integer option within bounds, or a UsageError naming it. */
export function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** intOption at the top of a script: a bad value exits 2 with the usage line. */
export function intArgument(script: string, value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  try {
    return intOption(value, name, fallback, min, max);
  } catch (e) {
    return usageExit(script, (e as Error).message);
  }
}
