// The referendum protocol on the voter's side (docs/voting-protocol.md, sections 1, 2, 4 and 5):
// the credential from its code, the encrypted ballot with its proofs and signature, the ballot
// hash and tracker, and the audit of a ballot from its opening. Pure functions: no DOM, so that
// the same file runs in the browser (referendum-booth.mjs) and in Node (referendum-cli.mjs, the
// tests). The group arithmetic and the hashes are noble's; this file only composes them.
// Python's ecitizen.voting.protocol checks what this file makes, byte for byte.
import { ristretto255 } from "../noble/curves/ed25519.js";
import { sha256, sha512 } from "../noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "../noble/hashes/utils.js";

const Point = ristretto255.Point;
/** The group order ℓ. */
export const ORDER = Point.Fn.ORDER;
const G = Point.BASE;
const O = Point.ZERO;
const HEX64 = /^[0-9a-f]{64}$/;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** An error with a stable `code` (and the question's index for a selection) for the booth to translate. */
export class BoothError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = "BoothError";
    this.code = code;
    Object.assign(this, details);
  }
}

const mod = (value) => {
  const rest = value % ORDER;
  return rest < 0n ? rest + ORDER : rest;
};

const littleEndian = (bytes) => {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(bytes[i]);
  return value;
};

/** A scalar as 64 hex digits: its 32-byte little-endian encoding. */
export const scalarHex = (value) => {
  let rest = mod(value);
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytesToHex(bytes);
};

const parseScalar = (text, what) => {
  if (typeof text !== "string" || !HEX64.test(text)) throw new BoothError("format", `${what}: not 64 hex digits`);
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  const value = littleEndian(bytes);
  if (value >= ORDER) throw new BoothError("format", `${what}: scalar not reduced`);
  return value;
};

const parsePoint = (text, what, { identity = false } = {}) => {
  if (typeof text !== "string" || !HEX64.test(text)) throw new BoothError("format", `${what}: not 64 hex digits`);
  let point;
  try {
    point = Point.fromHex(text);
  } catch {
    throw new BoothError("format", `${what}: not a ristretto255 point`);
  }
  if (!identity && point.is0()) throw new BoothError("format", `${what}: the identity is not allowed here`);
  return point;
};

const hex = (point) => point.toHex();

// k·P. noble's constant-time multiply refuses 0; the identity is the answer then.
const mul = (point, scalar) => (scalar === 0n ? O : point.multiply(scalar));
// k·G for a small public integer (a choice value, a count).
const small = (value) => G.multiplyUnsafe(BigInt(value));

/** Hs(domain, x1, …, xn): SHA-512 of "domain|x1|…|xn", read little-endian, reduced mod ℓ. */
export const hashToScalar = (domain, ...items) => {
  for (const item of items) {
    if (typeof item === "number" && !Number.isSafeInteger(item)) throw new TypeError("Hs: not an integer");
  }
  return mod(littleEndian(sha512(utf8ToBytes([domain, ...items.map(String)].join("|")))));
};

const randomScalar = () => {
  const bytes = new Uint8Array(64);
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    const value = mod(littleEndian(bytes));
    if (value !== 0n) return value;
  }
};

// --- Canonical JSON and the election hash (section 1 and 2) -------------------------------------

const codePoints = (a, b) => {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d) return d;
  }
  return x.length - y.length;
};

const asciiString = (text) =>
  JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** CJ(value): what Python's json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True) writes. */
export const canonicalJson = (value) => {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new BoothError("format", "canonical JSON holds integers only");
    return String(value);
  }
  if (typeof value === "string") return asciiString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(codePoints);
    return `{${keys.map((key) => `${asciiString(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  throw new BoothError("format", `canonical JSON cannot hold a ${typeof value}`);
};

/** election_hash: the lower-case hex SHA-256 of CJ(election). */
export const electionHash = (election) => bytesToHex(sha256(utf8ToBytes(canonicalJson(election))));

// --- Credentials (section 4) --------------------------------------------------------------------

/**
 * The credential code as the protocol hashes it: 24 base-32 characters in upper case, or null
 * when the text is not a code. Spaces and dashes (of any kind) between the characters are ignored.
 */
export const normaliseCode = (text) => {
  if (typeof text !== "string") return null;
  const code = text.replace(/[\s\-\u2010-\u2015\u2212]/g, "").toUpperCase();
  return /^[A-Z2-7]{24}$/.test(code) ? code : null;
};

const credentialScalar = (uuid, code) => {
  const normal = normaliseCode(code);
  if (normal === null) throw new BoothError("code", "not a credential code");
  const secret = hashToScalar("ecitizen-vote/credential", uuid, normal);
  if (secret === 0n) throw new BoothError("code", "this code gives no credential");
  return secret;
};

/** The public credential P = cred·G (hex) of a credential code. */
export const publicCredential = (uuid, code) => hex(G.multiply(credentialScalar(uuid, code)));

// --- Range proofs (section 5) -------------------------------------------------------------------

const proveRange = ({ h, credential, alpha, beta, value, randomness, lo, hi, key }) => {
  const commitments = [];
  const pairs = [];
  let witness = 0n;
  let others = 0n;
  for (let v = lo; v <= hi; v += 1) {
    if (v === value) {
      witness = randomScalar();
      commitments.push(hex(G.multiply(witness)), hex(key.multiply(witness)));
      pairs.push(null);
    } else {
      const c = randomScalar();
      const s = randomScalar();
      others = mod(others + c);
      const a = mul(G, s).subtract(mul(alpha, c));
      const b = mul(key, s).subtract(mul(beta.subtract(small(v)), c));
      commitments.push(hex(a), hex(b));
      pairs.push([c, s]);
    }
  }
  const challenge = hashToScalar("ecitizen-vote/range", h, credential, hex(alpha), hex(beta), ...commitments);
  const c = mod(challenge - others);
  pairs[value - lo] = [c, mod(witness + c * randomness)];
  return pairs.map(([cv, sv]) => [scalarHex(cv), scalarHex(sv)]);
};

const rangeHolds = ({ h, credential, alpha, beta, proof, lo, hi, key }) => {
  if (!Array.isArray(proof) || proof.length !== hi - lo + 1) return false;
  const commitments = [];
  let total = 0n;
  for (let v = lo; v <= hi; v += 1) {
    const pair = proof[v - lo];
    if (!Array.isArray(pair) || pair.length !== 2) return false;
    const c = parseScalar(pair[0], "proof c");
    const s = parseScalar(pair[1], "proof s");
    total = mod(total + c);
    commitments.push(
      hex(G.multiplyUnsafe(s).subtract(alpha.multiplyUnsafe(c))),
      hex(key.multiplyUnsafe(s).subtract(beta.subtract(small(v)).multiplyUnsafe(c))),
    );
  }
  return total === hashToScalar("ecitizen-vote/range", h, credential, hex(alpha), hex(beta), ...commitments);
};

// --- Ballots (section 5) ------------------------------------------------------------------------

// The items of `body`, in order: per question, per choice α, β, c0, s0, c1, s1; then the
// overall proof's pairs.
const bodyItems = (ballot) => {
  const items = [];
  for (const answer of ballot.answers) {
    for (const choice of answer.choices) {
      items.push(choice.alpha, choice.beta, ...choice.proof.flat());
    }
    items.push(...answer.overall_proof.flat());
  }
  return items;
};

const groups = (text) => text.match(/.{1,4}/g).join("-");

const base32 = (bytes) => {
  let bits = 0;
  let buffer = 0;
  let text = "";
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) text += BASE32[(buffer << (5 - bits)) & 31];
  return text;
};

/** The ballot hash (hex SHA-256) and its tracker (20 base-32 characters in groups of four). */
export const hashAndTracker = (ballot) => {
  const text = [
    "ecitizen-vote/ballot",
    ballot.election_hash,
    ballot.credential,
    ...bodyItems(ballot),
    ballot.signature.c,
    ballot.signature.s,
  ].join("|");
  const digest = sha256(utf8ToBytes(text));
  return { hash: bytesToHex(digest), tracker: groups(base32(digest).slice(0, 20)) };
};

const questionBounds = (question) => {
  const count = question.options.length;
  const { min, max } = question;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || min > max || max > count) {
    throw new BoothError("election", "a question's min and max are out of order");
  }
  return { count, min, max };
};

const electionKey = ({ election, election_hash: h }) => {
  if (!election || !Array.isArray(election.questions) || typeof h !== "string") {
    throw new BoothError("election", "not an election record");
  }
  if (electionHash(election) !== h) throw new BoothError("election", "the election hash does not match the election");
  return parsePoint(election.public_key, "public key");
};

/**
 * Checks the voter's marks against the questions and returns them as 0/1 per option. Throws a
 * BoothError "selection" with `question` (index) and `reason` ("too-few", "too-many", "invalid").
 */
export const marksFor = (election, selections) => {
  if (!Array.isArray(selections) || selections.length !== election.questions.length) {
    throw new BoothError("selection", "one selection per question is needed", { question: 0, reason: "invalid" });
  }
  return election.questions.map((question, index) => {
    const { count, min, max } = questionBounds(question);
    const chosen = selections[index];
    const fail = (reason) => new BoothError("selection", `question ${index}: ${reason}`, { question: index, reason });
    if (!Array.isArray(chosen)) throw fail("invalid");
    const marks = new Array(count).fill(0);
    for (const option of chosen) {
      if (!Number.isInteger(option) || option < 0 || option >= count || marks[option]) throw fail("invalid");
      marks[option] = 1;
    }
    if (chosen.length < min) throw fail("too-few");
    if (chosen.length > max) throw fail("too-many");
    return marks;
  });
};

/**
 * Encrypts a ballot. `record` is what the election URL returns ({election, election_hash});
 * `selections` holds, per question, the indexes of the marked options. Returns the ballot, its
 * opening (per question, per option {m, r}) for an audit, its hash and its tracker.
 */
export const encryptBallot = (record, code, selections) => {
  const key = electionKey(record);
  const { election, election_hash: h } = record;
  const marks = marksFor(election, selections);
  const secret = credentialScalar(election.uuid, code);
  const credential = hex(G.multiply(secret));
  const answers = [];
  const opening = [];
  marks.forEach((questionMarks, index) => {
    const { min, max } = questionBounds(election.questions[index]);
    const choices = [];
    const opened = [];
    let alphas = O;
    let betas = O;
    let randomness = 0n;
    for (const m of questionMarks) {
      const r = randomScalar();
      const alpha = G.multiply(r);
      const beta = mul(G, BigInt(m)).add(key.multiply(r));
      const proof = proveRange({ h, credential, alpha, beta, value: m, randomness: r, lo: 0, hi: 1, key });
      choices.push({ alpha: hex(alpha), beta: hex(beta), proof });
      opened.push({ m, r: scalarHex(r) });
      alphas = alphas.add(alpha);
      betas = betas.add(beta);
      randomness = mod(randomness + r);
    }
    const total = questionMarks.reduce((sum, m) => sum + m, 0);
    const overall = proveRange({
      h,
      credential,
      alpha: alphas,
      beta: betas,
      value: total,
      randomness,
      lo: min,
      hi: max,
      key,
    });
    answers.push({ choices, overall_proof: overall });
    opening.push(opened);
  });
  const ballot = { election_hash: h, credential, answers, signature: null };
  const witness = randomScalar();
  const commitment = hex(G.multiply(witness));
  const c = hashToScalar("ecitizen-vote/sign", h, credential, commitment, ...bodyItems(ballot));
  ballot.signature = { c: scalarHex(c), s: scalarHex(mod(witness + c * secret)) };
  return { ballot, opening, ...hashAndTracker(ballot) };
};

/**
 * Checks a ballot's form, proofs and signature against the election (section 5). Returns the
 * faults found, in English (an empty list: the ballot holds). Whether the credential is on the
 * electorate's list is the board's business, not checked here.
 */
export const checkBallot = (record, ballot) => {
  const faults = [];
  let key;
  try {
    key = electionKey(record);
  } catch (error) {
    return [error.message];
  }
  const { election, election_hash: h } = record;
  try {
    if (!ballot || typeof ballot !== "object") throw new BoothError("format", "the ballot is not an object");
    if (ballot.election_hash !== h) faults.push("the ballot is for another election");
    const credential = parsePoint(ballot.credential, "credential");
    if (!Array.isArray(ballot.answers) || ballot.answers.length !== election.questions.length) {
      throw new BoothError("format", "the ballot does not answer every question");
    }
    ballot.answers.forEach((answer, index) => {
      const { count, min, max } = questionBounds(election.questions[index]);
      if (!answer || !Array.isArray(answer.choices) || answer.choices.length !== count) {
        throw new BoothError("format", `question ${index + 1}: not one choice per option`);
      }
      let alphas = O;
      let betas = O;
      answer.choices.forEach((choice, option) => {
        const where = `question ${index + 1}, option ${option + 1}`;
        const alpha = parsePoint(choice?.alpha, `${where}: alpha`);
        const beta = parsePoint(choice?.beta, `${where}: beta`);
        const proof = choice.proof;
        if (!rangeHolds({ h, credential: ballot.credential, alpha, beta, proof, lo: 0, hi: 1, key })) {
          faults.push(`${where}: the proof that it is 0 or 1 does not hold`);
        }
        alphas = alphas.add(alpha);
        betas = betas.add(beta);
      });
      const proof = answer.overall_proof;
      if (!rangeHolds({ h, credential: ballot.credential, alpha: alphas, beta: betas, proof, lo: min, hi: max, key })) {
        faults.push(`question ${index + 1}: the proof of the number of marks does not hold`);
      }
    });
    const signature = ballot.signature;
    const c = parseScalar(signature?.c, "signature c");
    const s = parseScalar(signature?.s, "signature s");
    const commitment = hex(G.multiplyUnsafe(s).subtract(credential.multiplyUnsafe(c)));
    const items = bodyItems(ballot);
    if (hashToScalar("ecitizen-vote/sign", h, ballot.credential, commitment, ...items) !== c) {
      faults.push("the signature does not hold");
    }
  } catch (error) {
    faults.push(error.message);
  }
  return faults;
};

/**
 * The audit (section 5, "Cast or audit"): the ballot's proofs and signature, and that every
 * opening {m, r} re-encrypts to the ballot's ciphertexts (α = r·G, β = m·G + r·Y). Returns the
 * faults found, in English (an empty list: the audit passes).
 */
export const checkOpening = (record, ballot, opening) => {
  const faults = checkBallot(record, ballot);
  let key;
  try {
    key = electionKey(record);
  } catch {
    return faults;
  }
  const questions = record.election.questions;
  if (!Array.isArray(opening) || opening.length !== questions.length || !Array.isArray(ballot?.answers)) {
    return [...faults, "the opening does not open every question"];
  }
  opening.forEach((opened, index) => {
    const choices = ballot.answers[index]?.choices;
    const { min, max } = questionBounds(questions[index]);
    if (!Array.isArray(opened) || !Array.isArray(choices) || opened.length !== choices.length) {
      faults.push(`question ${index + 1}: the opening does not open every option`);
      return;
    }
    let total = 0;
    opened.forEach((entry, option) => {
      const where = `question ${index + 1}, option ${option + 1}`;
      try {
        const m = entry?.m;
        if (m !== 0 && m !== 1) throw new BoothError("format", `${where}: m is neither 0 nor 1`);
        total += m;
        const r = parseScalar(entry.r, `${where}: r`);
        const alpha = G.multiplyUnsafe(r);
        const beta = small(m).add(key.multiplyUnsafe(r));
        if (hex(alpha) !== choices[option].alpha || hex(beta) !== choices[option].beta) {
          faults.push(`${where}: the opening does not re-encrypt to the ballot`);
        }
      } catch (error) {
        faults.push(error.message);
      }
    });
    if (total < min || total > max) faults.push(`question ${index + 1}: the opening marks ${total} options`);
  });
  return faults;
};
