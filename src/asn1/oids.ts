// Object identifiers of the PKIX, CMS and PKCS structures this project reads and writes, in one
// table. SCEP's own attribute OIDs live with the protocol (src/scep/oids.ts).

export const OID = {
  // PKCS#7 / CMS content types (RFC 5652 §4, §5, §6)
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  // PKCS#9 attributes (RFC 2985)
  emailAddress: "1.2.840.113549.1.9.1",
  unstructuredName: "1.2.840.113549.1.9.2",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  challengePassword: "1.2.840.113549.1.9.7",
  extensionRequest: "1.2.840.113549.1.9.14",
  // Microsoft: msExtReq (Windows' extensionRequest), UPN otherName, NTDS CA security extension (KB5014754)
  msExtensionRequest: "1.3.6.1.4.1.311.2.1.14",
  msUpn: "1.3.6.1.4.1.311.20.2.3",
  // [MS-WCCE] §2.2.2.7.10 szENROLLMENT_NAME_VALUE_PAIR: Windows and Android send the validity here
  enrollmentNameValuePair: "1.3.6.1.4.1.311.13.2.1",
  ntdsCaSecurity: "1.3.6.1.4.1.311.25.2",
  ntdsObjectSid: "1.3.6.1.4.1.311.25.2.1",
  // Key transport (RFC 8017 Appendix C)
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  // Signatures (RFC 8017, RFC 5758)
  sha1WithRSA: "1.2.840.113549.1.1.5",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  ecPublicKey: "1.2.840.10045.2.1",
  ecdsaWithSHA1: "1.2.840.10045.4.1",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  secp256r1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  // Digests (RFC 3279, RFC 5754)
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // Content ciphers (RFC 3565, RFC 8018)
  desCbc: "1.3.14.3.2.7",
  desEde3Cbc: "1.2.840.113549.3.7",
  aes128Cbc: "2.16.840.1.101.3.4.1.2",
  aes192Cbc: "2.16.840.1.101.3.4.1.22",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  // Name attributes (X.520, RFC 4519)
  commonName: "2.5.4.3",
  countryName: "2.5.4.6",
  organizationName: "2.5.4.10",
  organizationalUnitName: "2.5.4.11",
  // X.509 extensions (RFC 5280 §4.2, §5.2, §5.3)
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  crlNumber: "2.5.29.20",
  crlReason: "2.5.29.21",
  crlDistributionPoints: "2.5.29.31",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  caIssuers: "1.3.6.1.5.5.7.48.2",
  // Extended key usages (RFC 5280 §4.2.1.12)
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  ocspSigning: "1.3.6.1.5.5.7.3.9",
  // OCSP (RFC 6960 §4.4, Appendix B.1); id-pkix-ocsp is also id-ad-ocsp, the AIA access method
  adOcsp: "1.3.6.1.5.5.7.48.1",
  ocspBasic: "1.3.6.1.5.5.7.48.1.1", // ResponseBytes.responseType of a BasicOCSPResponse (§4.2.1)
  ocspNonce: "1.3.6.1.5.5.7.48.1.2", // §4.4.1 as replaced by RFC 8954 §2.1
  ocspAcceptableResponses: "1.3.6.1.5.5.7.48.1.4", // §4.4.3: only basic exists, read and ignored
  ocspNoCheck: "1.3.6.1.5.5.7.48.1.5", // §4.2.2.2.1: relying parties need not check the responder
  ocspPreferredSignatureAlgorithms: "1.3.6.1.5.5.7.48.1.8", // §4.4.7: read and ignored
  ocspExtendedRevoke: "1.3.6.1.5.5.7.48.1.9", // §4.4.8: "revoked" may also mean "never issued" (§2.2)
} as const;
