// Reading and writing .dev.vars the way wrangler 4 reads it. wrangler parses .dev.vars with
// dotenv's parse() (node_modules/wrangler/wrangler-dist/cli.js, tryLoadDotDevDotVars; no
// dotenv-expand for .dev.vars): in a double-quoted value "\n" becomes a newline, so a multi-line
// PEM is written on one line as "-----BEGIN ...-----\n...\n-----END ...-----\n".

// dotenv 16/17 LINE expression, verbatim, so what we read is what wrangler will read.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n?/gm, "\n");
  for (const match of lines.matchAll(LINE)) {
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    out[match[1]!] = value;
  }
  return out;
}

/** KEY="value" with newlines as literal \n. Values must not contain '"' (PEM and base64url never do). */
export function dotenvLine(key: string, value: string): string {
  if (value.includes('"')) throw new Error(`${key}: value contains a double quote`);
  return `${key}="${value.replace(/\r?\n/g, "\\n")}"`;
}
