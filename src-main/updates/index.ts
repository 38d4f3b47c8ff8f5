/**
 * Updates that work at offline sites: Ed25519-signed update metadata
 * verified against keys pinned in the app, a strict reader of
 * electron-builder's metadata, the loopback folder feed for USB sticks, and
 * the update flow behind an `UpdaterPort` (electron-updater lives in
 * src-main/electron). Plain Node.
 */
export { compareVersions, isSafeFeedName, metadataFileName, parseUpdateMetadata, type UpdateFile, type UpdateMetadata } from './metadata';
export { keyIdOf, parseSignatureFile, pinnedKeyFrom, signMetadata, signedMessage, verifySignature, SIGNATURE_FORMAT, type PinnedKey } from './signature';
export { checkDownloadedFile, fileDigest, sameRelease, verifyRelease, type Refusal, type ReleaseVerdict } from './verify';
export { FolderFeedReader, HttpFeedReader, isAcceptableFeedUrl, type FeedReader } from './feed';
export { startFolderServer, type FolderServer } from './folder-server';
export { BROWSER_INSTALL_NOTE, UpdateService, type UpdaterPort, type UpdateServiceOptions } from './service';
export { RELEASE_KEYS } from './release-key';
export { DEFAULT_FEED_URL, updateFeedUrl } from './feed-config';
export { runUpdatesCli, UPDATES_HELP } from './cli';
