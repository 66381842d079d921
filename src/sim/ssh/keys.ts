/**
 * SSH keys of the simulation: an Ed25519 host key per node and one client key for cni-doctor. All are generated per
 * run and held in memory; only public parts are ever shown. The client private key leaves memory only through
 * writeNodesOut, into a file with mode 0600.
 */
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import type { ParsedKey } from "ssh2";
// ssh2 is CommonJS: Node's ESM loader cannot see its `utils` and `Server` as named exports, only the default.
import ssh2 from "ssh2";

const { utils } = ssh2;

/** An OpenSSH private key that does not show itself in logs, JSON or util.inspect. */
export class PrivateKeyText {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The key in OpenSSH format, for ssh2's hostKeys or a 0600 key file. Never log it. */
  reveal(): string {
    return this.#text;
  }

  toString(): string {
    return "[private key]";
  }

  toJSON(): string {
    return "[private key]";
  }

  [inspect.custom](): string {
    return "[private key]";
  }
}

export interface SshKeyPair {
  privateKey: PrivateKeyText;
  /** "ssh-ed25519 AAAA… comment" (authorized_keys / known_hosts form). */
  publicKeyLine: string;
  /** "SHA256:…", as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The parsed public key, for verifying signatures and comparing offered keys. */
  publicKey: ParsedKey;
}

function parseSingleKey(text: string, what: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw new Error(`could not parse the generated ${what}: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) throw new Error(`could not parse the generated ${what}: no key found`);
  return key;
}

/** SHA-256 fingerprint of an SSH public key blob, unpadded base64, as OpenSSH prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Draws before giving up; a run of bad draws would mean something other than ssh2's occasional short key. */
const MAX_KEY_DRAWS = 8;

export function generateEd25519KeyPair(comment: string): SshKeyPair {
  for (let draw = 1; draw <= MAX_KEY_DRAWS; draw++) {
    const pair = utils.generateKeyPairSync("ed25519", { comment });
    // ssh2's generator drops a leading zero byte of the public key about once in 250 keys, and then refuses to parse
    // its own 31-byte key: discard such a draw.
    if (utils.parseKey(pair.public) instanceof Error || utils.parseKey(pair.private) instanceof Error)
      continue;
    const publicKey = parseSingleKey(pair.public, "public key");
    const blob = publicKey.getPublicSSH();
    return {
      privateKey: new PrivateKeyText(pair.private),
      publicKeyLine: `${publicKey.type} ${blob.toString("base64")}`,
      fingerprint: fingerprintOfBlob(blob),
      publicKey,
    };
  }
  throw new Error(
    `ssh2 generated ${MAX_KEY_DRAWS} unparsable ed25519 keys in a row; cannot make a simulated key`,
  );
}

/** The known_hosts host pattern OpenSSH uses: bare host on port 22, else "[host]:port". */
export function knownHostsHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}
