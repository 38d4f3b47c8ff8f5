/**
 * The release public keys pinned in this build. An update installs only if
 * its metadata carries a valid Ed25519 signature by one of these keys.
 * The private halves never enter the repository: release engineers keep
 * them offline and sign with scripts/sign-update.mjs. To rotate, ship a
 * build that pins both the old and the new key, then one with the new only.
 */
import type { PinnedKey } from './signature';

export const RELEASE_KEYS: readonly PinnedKey[] = [
  {
    keyId: 'ee7806d970843a61',
    name: 'Cairn development release key',
    publicKey: 'xtcV6pl3imQKgSmw6WLPQnh4CrlstI9+qlbnHJFry6M=',
  },
];
