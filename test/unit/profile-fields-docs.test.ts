// docs/configuration.md documents every CERT_PROFILES field the code reads, and no other: the table
// under "## Certificate profiles" against PROFILE_FIELDS (src/ca/profile-settings.ts), as
// settings-docs.test.ts does for the settings themselves.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { PROFILE_FIELDS } from "../../src/ca/profile-settings";
import { REPO_ROOT } from "../../scripts/lib/wrangler-config";

function documentedFields(): string[] {
  let section = "";
  const fields: string[] = [];
  for (const line of readFileSync(join(REPO_ROOT, "docs/configuration.md"), "utf8").split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const m = /^\| `([a-zA-Z0-9]+)` +\|/.exec(line);
    if (section === "Certificate profiles" && m) fields.push(m[1]!);
  }
  return fields;
}

it("the certificate profile fields table lists exactly the fields CERT_PROFILES accepts", () => {
  expect(documentedFields().sort()).toEqual([...PROFILE_FIELDS].sort());
});
