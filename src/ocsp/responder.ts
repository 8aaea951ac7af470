// Who signs OCSP answers for a CA. OCSP_RESPONDER=ca: the CA key itself. delegated (the default):
// a P-256 responder certificate that the Worker issues from the CA key (RFC 6960 §4.2.2.2),
// records in that CA's ledger like every certificate the CA key signs, keeps there with its key
// sealed under a key derived from the CA key, and replaces at half its life. So the CA key signs
// about twice a week per CA, and each isolate opens the current responder once.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { IssuingCa } from "../ca/ca-set";
import { randomSerial } from "../ca/serial";
import type { PrivateKeyHandle } from "../crypto/keys";
import { open, seal } from "../crypto/seal";
import type { CertificateInput, OcspStatusSnapshot, ResponderLookup, StoredResponder } from "../ledger/types";
import type { OcspSettings } from "../settings/ocsp";
import { issueResponderCertificate } from "./responder-cert";
import type { ResponseSigner } from "./response";

/** The ledger calls the OCSP path makes (src/ledger/ledger.ts). */
export interface OcspLedgerPort {
  ocspRevision(): Promise<number>;
  ocspStatus(serials: string[]): Promise<OcspStatusSnapshot>;
  ocspResponder(caSha256: string, now: number, renewBeforeMs: number): Promise<ResponderLookup>;
  recordResponder(cert: CertificateInput, sealedKey: Uint8Array, caSha256: string, now: number): Promise<StoredResponder | undefined>;
  addOcspCounts(counts: Record<string, number>): Promise<void>;
}

/** The Worker's clock, randomness and logs, as the OCSP path uses them (enroll/ports.ts Runtime fits). */
export interface OcspRuntime {
  now(): Date;
  randomBytes(n: number): Uint8Array;
  log(event: string, fields: Record<string, unknown>): void;
}

export interface ActiveSigner {
  signer: ResponseSigner;
  /** The signer certificate's end: no answer's nextUpdate may pass it. */
  notAfter: Date;
}

/** No responder could be found or made (the CA certificate expired, the ledger is unreachable…): tryLater. */
class ResponderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResponderUnavailableError";
  }
}

const BACKDATE_SECONDS = 3600;
/** When rotation was left to another caller, ask the ledger again after this long. */
const RECHECK_MS = 60_000;

interface Memo extends ActiveSigner {
  caSha256: string;
  renewAt: number;
}

// Per isolate, per CA key id: the opened responder (a private key lives only in isolate memory).
const memo = new Map<string, Memo>();

export function sealLabel(caKeyId: string, serialHex: string): string {
  return `ocsp-responder:${caKeyId}:${serialHex}`;
}

function caSigner(ca: IssuingCa): ActiveSigner {
  const key = ca.material.caKey;
  return {
    signer: { key, spkiDer: ca.material.caSpkiDer, hash: key.algorithm === "ec" && key.bits === 384 ? "sha384" : "sha256" },
    notAfter: ca.material.caCert.notAfter,
  };
}

export async function responderFor(ca: IssuingCa, settings: OcspSettings, ledger: OcspLedgerPort, runtime: OcspRuntime): Promise<ActiveSigner> {
  if (settings.mode === "ca") return caSigner(ca);
  const now = runtime.now().getTime();
  const caSha256 = ca.material.fingerprintSha256Hex;
  const known = memo.get(ca.keyId);
  // A re-issued CA certificate (same key, same ledger) gets a responder issued under its own name.
  if (known && known.caSha256 === caSha256 && now < known.renewAt) return known;

  const renewBeforeMs = (settings.responderValiditySeconds * 1000) / 2;
  const lookup = await ledger.ocspResponder(caSha256, now, renewBeforeMs);
  let stored = lookup.current;
  let opened = stored ? openResponder(ca, stored) : undefined;
  if (lookup.rotate || !opened) {
    try {
      stored = await issueResponder(ca, settings, ledger, runtime, now);
      opened = openResponder(ca, stored);
    } catch (e) {
      runtime.log("ocsp-responder-issue-failed", { ca: ca.keyId, error: e instanceof Error ? e.name : "error", keepsCurrent: Boolean(opened) });
      if (!opened) throw new ResponderUnavailableError(`no OCSP responder for CA ${ca.keyId}`);
    }
  }
  if (!stored || !opened) throw new ResponderUnavailableError(`no OCSP responder for CA ${ca.keyId}`);
  const dueAt = stored.notAfter - renewBeforeMs;
  const active: Memo = { signer: opened, notAfter: new Date(stored.notAfter), caSha256, renewAt: dueAt > now ? dueAt : now + RECHECK_MS };
  memo.set(ca.keyId, active);
  return active;
}

/** The stored responder's signer, or undefined when its sealed key does not open under this CA key. */
function openResponder(ca: IssuingCa, stored: StoredResponder): ResponseSigner | undefined {
  const pkcs8 = open(ca.material.caKey, sealLabel(ca.keyId, stored.serial), stored.sealedKey);
  if (!pkcs8) return undefined;
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  const handle: PrivateKeyHandle = { key, algorithm: "ec", bits: 256, curve: "prime256v1" };
  const spkiDer = new Uint8Array(createPublicKey(key).export({ type: "spki", format: "der" }));
  return { key: handle, spkiDer, certDer: stored.certDer, hash: "sha256" };
}

/**
 * A fresh P-256 key (ECDSA signing is a tenth of RSA-2048's cost, and every OCSP client of the
 * last decade verifies it), its certificate from the CA key, recorded before it signs anything.
 * A serial collision is retried with a new serial, as issuance does; the unrecorded certificate
 * never leaves the Worker.
 */
async function issueResponder(
  ca: IssuingCa,
  settings: OcspSettings,
  ledger: OcspLedgerPort,
  runtime: OcspRuntime,
  now: number,
): Promise<StoredResponder> {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spkiDer = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const pkcs8 = new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" }));
  for (let attempt = 0; attempt < 3; attempt++) {
    const cert = issueResponderCertificate({
      ca: ca.material,
      caKeyId: ca.keyId,
      responderSpkiDer: spkiDer,
      serial: randomSerial(runtime.randomBytes),
      now: new Date(now),
      validityDays: settings.responderValiditySeconds / 86_400,
      backdateSeconds: BACKDATE_SECONDS,
    });
    const sealed = seal(ca.material.caKey, sealLabel(ca.keyId, cert.serialHex), pkcs8, runtime.randomBytes);
    const input: CertificateInput = {
      serial: cert.serialHex,
      subject: cert.subjectText,
      sans: "",
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
      sha1: cert.sha1Hex,
      sha256: cert.sha256Hex,
      der: cert.der,
    };
    const current = await ledger.recordResponder(input, sealed, ca.material.fingerprintSha256Hex, now);
    if (current) {
      runtime.log("ocsp-responder-issued", { ca: ca.keyId, serial: cert.serialHex, notAfter: cert.notAfter.toISOString() });
      return current;
    }
  }
  throw new Error("three serial collisions in a row");
}

/** Tests: forget what this isolate has opened. */
export function forgetResponders(): void {
  memo.clear();
}
