// Shared helpers for the src/ca unit tests: deterministic time, Node randomness, openssl runner.
import { spawnSync } from "node:child_process";
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toPem } from "../../src/asn1/pem";

export const randomBytes = (n: number) => new Uint8Array(nodeRandomBytes(n));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/ca/${name}`, import.meta.url)));
}

/** A scratch directory; files are written as PEM. */
export function scratch(): { dir: string; write(name: string, content: string | Uint8Array, label?: string): string } {
  const dir = mkdtempSync(join(tmpdir(), "edge-scep-ca-"));
  return {
    dir,
    write(name, content, label = "CERTIFICATE") {
      const path = join(dir, name);
      writeFileSync(path, typeof content === "string" ? content : toPem(label, content));
      return path;
    },
  };
}

/** Runs openssl; returns stdout+stderr and the exit status instead of throwing. */
export function openssl(args: string[]): { status: number; out: string } {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  return { status: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** `openssl x509 -text` of a DER certificate. */
export function x509Text(der: Uint8Array): string {
  const s = scratch();
  const path = s.write("c.pem", der);
  return openssl(["x509", "-in", path, "-noout", "-text"]).out;
}

/** The colon-free uppercase hex following an `X509v3 <name>:` heading in `openssl x509 -text`. */
export function keyIdFromText(text: string, heading: "Subject Key Identifier" | "Authority Key Identifier"): string | undefined {
  const m = text.match(new RegExp(`X509v3 ${heading}:\\s*\\n\\s*(?:keyid:)?([0-9A-F:]+)`));
  return m?.[1]?.replace(/:/g, "");
}
