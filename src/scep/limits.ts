// What one pkiMessage may carry, checked while its raw DER is read and before anything costly
// (a digest, a signature, a decryption) is done with it (design rule 8). Each bound is several
// times what any client in test/fixtures/real-clients or docs/conformance.md sends; past it the
// request is refused with HTTP 400 before authentication. The whole message is bounded by
// MAX_MESSAGE_BYTES; BER nesting and element count by asn1/ber.ts (24 levels, 4,096 TLVs).
export const MESSAGE_LIMITS = Object.freeze({
  /** Certificates in the SignedData: the signer, perhaps its chain (clients send one). */
  certificates: 8,
  /** Signed attributes: SCEP's own five to eight, contentType, messageDigest, signingTime, a few more. */
  signedAttributes: 32,
  /** transactionID characters: scepclient sends 44, certmonger 77 digits, Windows 40 hex. */
  transactionIdChars: 256,
  /** senderNonce octets: RFC 8894 §3.2.1.5 says 16. */
  senderNonceOctets: 64,
  /** recipientInfos in the envelope: scepclient encrypts to every GetCACert certificate. */
  recipientInfos: 16,
  /** The signer's RSA modulus, as the key policy bounds a requested key (BR §6.1.6). */
  signerRsaBits: 8192,
  /** The signer's RSA public exponent: a verification costs as many squarings as it has bits. */
  signerExponentBits: 256,
});
