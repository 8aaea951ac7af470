// A real client through the Intune path: micromdm scepclient (Debian `scep`) enrolls with a
// challenge minted by the Microsoft fake and bound to the subject scepclient puts in its CSR
// (its flags: -country US, -organization scep-client, -ou MDM by default, -cn), then openssl
// verifies the certificate against the CA.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { certInfo, formatRun, newClientDir, opensslVerify, runScepclient, SCEPCLIENT } from "./support/clients";
import { intuneTrace, startIntuneStack, type IntuneStack } from "./support/intune-harness";
import { createTestCa, type TestCa } from "../../scripts/lib/test-ca";

const haveScepclient = existsSync(SCEPCLIENT) || existsSync("/usr/bin/scepclient");
const t = haveScepclient || process.env.CI === "true" ? test : test.skip;

let ca: TestCa;
let s: IntuneStack;
let work: string;

beforeAll(async () => {
  ca = await createTestCa({ cn: "Intune scepclient Test CA" });
  work = await mkdtemp(join(tmpdir(), "intune-scepclient-"));
  s = await startIntuneStack(ca);
});
afterAll(async () => {
  await s?.stop();
  await ca?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

t("scepclient -challenge <minted> enrolls; the fake validated the subject and key size; openssl verifies", async () => {
  const cn = "intune-scepclient";
  const challenge = s.fake.mintChallenge({ expectedSubject: `C=US,O=scep-client,OU=MDM,CN=${cn}`, keyBits: 2048 });
  const dir = await newClientDir(work, "device");
  const r = await runScepclient({ url: s.worker.url, challenge, cn, keyPath: dir.keyPath, certPath: dir.certPath, timeoutSec: 60 });
  expect(r.issued, `${formatRun(r)}\nfake: ${JSON.stringify(intuneTrace(s.fake))}`).toBe(true);
  expect(intuneTrace(s.fake)).toEqual(["validateRequest:200:Success", "successNotification:200:Success"]);
  const v = await opensslVerify(ca.certPath, dir.certPath);
  expect(v.ok, formatRun(v)).toBe(true);
  const info = await certInfo(r.certPem!);
  expect(info.subject).toContain(`CN=${cn}`);
  const sent = s.fake.requestsTo("intune", "successNotification")[0]!.body as { notification: { certificateSerialNumber: string } };
  // The same number: the ledger writes whole octets ("0D…"), openssl drops a leading zero nibble.
  expect(BigInt(`0x${sent.notification.certificateSerialNumber}`)).toBe(BigInt(`0x${info.serial}`));
  expect(sent.notification.certificateSerialNumber).toMatch(/^[0-9A-F]{32}$/);
});

t("scepclient with a challenge bound to another subject is refused (exit 1, CertRep FAILURE badRequest), no certificate", async () => {
  const challenge = s.fake.mintChallenge({ expectedSubject: "C=US,O=scep-client,OU=MDM,CN=someone-else" });
  const dir = await newClientDir(work, "wrong-subject");
  const r = await runScepclient({
    url: s.worker.url,
    challenge,
    cn: "intune-scepclient-2",
    keyPath: dir.keyPath,
    certPath: dir.certPath,
    timeoutSec: 60,
  });
  expect(r.issued, formatRun(r)).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/failInfo: badRequest/);
  expect(intuneTrace(s.fake).at(-1)).toBe("validateRequest:200:SubjectNameMismatch");
});
