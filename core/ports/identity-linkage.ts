/**
 * How the hub links what different agencies say about one child without holding a national id (issue 10): the
 * resident identity number is turned into keyed digests on arrival and forgotten. A digest is kept per key, so the
 * key can be replaced (README "Re-keying the pseudonym key") without losing any link.
 */
export interface IdentityLink {
  keyId: string;
  /** HMAC-SHA-256 of the canonical number under the key `keyId`, base64url. */
  digest: string;
}

export interface IdentityPseudonymiser {
  /** The number's link under every configured key, the active key's first. */
  linksOf(residentId: string): IdentityLink[];
  /** The pseudonym a child first seen now is known by: derived from the active link, stable after re-keying. */
  pseudonymOf(activeLink: IdentityLink): string;
}
