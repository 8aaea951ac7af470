// Validate the client wrappers in ../support/clients.ts against micromdm's own scepserver 2.1.0
// (Debian `scep`), the reference server. Not a vitest file: run it through run-against-scepserver.sh,
// which puts it in a private network namespace (scepserver has no bind-address flag and would
// otherwise listen on every interface).
//
// What it proves: scep-submit -c / -C; scepclient PKCSReq, re-run = RenewalReq with the same key and a
// new serial, wrong challenge = no certificate and a non-zero exit; scep-submit PKIOperation (flags
// and CERTMONGER_* env) replaying a captured certmonger PKCSReq when the shared fixtures are present.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  certInfo,
  formatRun,
  newClientDir,
  opensslVerify,
  pkcs7Pem,
  publicKeyFingerprint,
  runCommand,
  runScepclient,
  scepSubmit,
} from "../support/clients";

const FIXTURES = process.env.SCEP_FIXTURES ?? "/work/shared/fixtures/real-clients";
const PORT = Number(process.env.PORT ?? 8750);
const CHALLENGE = "s3cr3t";
const url = `http://127.0.0.1:${PORT}/scep`;
let failures = 0;

function check(name: string, ok: boolean, detail = ""): void {
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}${ok || !detail ? "" : "\n" + detail}`);
  if (!ok) failures++;
}

const work = await mkdtemp(join(tmpdir(), "scepserver-check-"));
const depot = join(work, "depot");
const haveFixtures = existsSync(join(FIXTURES, "test-ca.pem")) && existsSync(join(FIXTURES, "test-ca.key.empty-password.pem"));
if (haveFixtures) {
  // The CA the captured certmonger request was encrypted to (legacy PEM key, empty password,
  // the same format `scepserver ca -init` writes).
  await runCommand("mkdir", ["-p", depot]);
  await copyFile(join(FIXTURES, "test-ca.pem"), join(depot, "ca.pem"));
  await copyFile(join(FIXTURES, "test-ca.key.empty-password.pem"), join(depot, "ca.key"));
} else {
  const init = await runCommand("scepserver", ["ca", "-init", "-depot", depot, "-keySize", "2048", "-organization", "Test SCEP CA"]);
  if (init.code !== 0) throw new Error(formatRun(init));
}
const caPath = join(depot, "ca.pem");

const server = spawn("scepserver", ["-depot", depot, "-port", String(PORT), "-challenge", CHALLENGE, "-allowrenew", "0", "-debug"], {
  stdio: ["ignore", "pipe", "pipe"],
});
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}?operation=GetCACaps`)).ok) break;
    } catch {}
    if (i > 100) throw new Error(`scepserver did not start\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  // certmonger scep-submit: GetCACaps, GetCACert
  const caps = await scepSubmit({ url, op: "GetCACaps" });
  check(
    "scep-submit -c lists POSTPKIOperation/AES/SHA-256/Renewal",
    caps.code === 0 && ["POSTPKIOperation", "AES", "SHA-256", "Renewal"].every((c) => caps.caps?.includes(c)),
    formatRun(caps),
  );
  console.log("      caps:", caps.caps?.join(" "));
  const cacert = await scepSubmit({ url, op: "GetCACert" });
  const caPem = await readFile(caPath, "utf8");
  check("scep-submit -C prints the CA", cacert.code === 0 && cacert.certs?.length === 1 && norm(cacert.certs[0]!) === norm(caPem), formatRun(cacert));

  // micromdm scepclient: enroll, renew, wrong challenge
  const c1 = await newClientDir(work, "c1");
  const enroll = await runScepclient({ url, challenge: CHALLENGE, keyPath: c1.keyPath, certPath: c1.certPath, cn: "client1" });
  check("scepclient PKCSReq issues a certificate", enroll.issued, formatRun(enroll));
  console.log(`      enroll (with RSA-2048 keygen): ${enroll.durationMs} ms, exit ${enroll.code}`);
  const v1 = await opensslVerify(caPath, c1.certPath);
  check("openssl verify accepts it", v1.ok, formatRun(v1));
  const i1 = await certInfo(enroll.certPem!);
  check("subject CN = client1", i1.cn === "client1", JSON.stringify(i1));

  const renew = await runScepclient({ url, challenge: CHALLENGE, keyPath: c1.keyPath, certPath: c1.certPath, cn: "client1" });
  check("scepclient re-run issues a new certificate", renew.issued, formatRun(renew));
  console.log(`      renew (existing key): ${renew.durationMs} ms`);
  const i2 = await certInfo(renew.certPem!);
  check("renewal: different serial", i2.serial !== i1.serial, `${i1.serial} vs ${i2.serial}`);
  check("renewal: same key", (await publicKeyFingerprint(enroll.certPem!)) === (await publicKeyFingerprint(renew.certPem!)));
  check("renewal went as RenewalReq (17)", /RenewalReq \(17\)/.test(serverLog), serverLog);
  check("openssl verify accepts the renewed cert", (await opensslVerify(caPath, c1.certPath)).ok);

  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await runScepclient({ url, challenge: CHALLENGE, keyPath: c1.keyPath, certPath: c1.certPath, cn: "client1", debug: false });
    if (r.issued) times.push(r.durationMs);
  }
  console.log(`      5 renewals: ${times.join(", ")} ms`);

  const c2 = await newClientDir(work, "c2");
  const bad = await runScepclient({ url, challenge: "wrong", keyPath: c2.keyPath, certPath: c2.certPath, cn: "client2" });
  check("wrong challenge: non-zero exit and no certificate", bad.code !== 0 && !bad.issued && !existsSync(c2.certPath), formatRun(bad));
  console.log(`      wrong challenge: exit ${bad.code}; stderr tail: ${bad.stderr.trim().split("\n").at(-1)}`);

  // certmonger scep-submit PKIOperation, replaying a captured certmonger PKCSReq (encrypted to this CA)
  const reqDer = join(FIXTURES, "certmonger-PKCSReq-aes256-sha256.req.der");
  if (haveFixtures && existsSync(reqDer)) {
    const request = pkcs7Pem(await readFile(reqDer));
    for (const mode of ["flags", "env"] as const) {
      const r = await scepSubmit({ url, op: "PKIOperation", request, raCertPem: caPem, caCertPem: caPem, mode });
      check(`scep-submit PKIOperation (${mode}) exit 0 with an envelope`, r.code === 0 && !!r.envelopePem, formatRun(r));
      console.log(`      PKIOperation (${mode}): ${r.durationMs} ms`);
    }
    const noN = await runCommand("/usr/lib/certmonger/scep-submit", ["-u", url, "-r", caPath, "-p", await tmpFile(request)]);
    console.log(`      without -N: exit ${noN.code}: ${noN.stdout.trim().split("\n")[0]} ${noN.stderr.trim().split("\n")[0] ?? ""}`);
  } else {
    console.log("SKIP  scep-submit PKIOperation: no fixtures at", FIXTURES);
  }
} finally {
  server.kill("SIGTERM");
  await rm(work, { recursive: true, force: true });
}
console.log(failures ? `${failures} FAILED` : "all passed");
process.exit(failures ? 1 : 0);

function norm(pem: string): string {
  return pem.replace(/\s+/g, "");
}

async function tmpFile(content: string): Promise<string> {
  const p = join(work, `f-${Math.random().toString(36).slice(2)}.pem`);
  await writeFile(p, content);
  return p;
}
