// The booth's cryptography from the command line, for the tests (ecitizen/voting/referendums/
// tests/test_booth_js.py) and for anyone who wants to compare it with their own code:
//   node static/build/js/referendum-cli.mjs < request.json
// The request is a JSON object whose "op" (default "encrypt") says what to do:
//   encrypt:       {election, election_hash, code, selections} -> {ballot, opening, hash, tracker}
//   credential:    {uuid, code} -> {credential}
//   hash:          {ballot} -> {hash, tracker}
//   check:         {election, election_hash, ballot} -> {faults}
//   check_opening: {election, election_hash, ballot, opening} -> {faults}
//   canonical:     {value} -> {json, sha256}
// It prints one JSON object. A refused request prints {"error": code, "message", "question"?,
// "reason"?} and exits with status 1.
import {
  canonicalJson,
  checkBallot,
  checkOpening,
  electionHash,
  encryptBallot,
  hashAndTracker,
  publicCredential,
} from "./referendum-crypto.mjs";

const read = async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
};

const run = (request) => {
  const record = { election: request.election, election_hash: request.election_hash };
  switch (request.op ?? "encrypt") {
    case "encrypt":
      return encryptBallot(record, request.code, request.selections);
    case "credential":
      return { credential: publicCredential(request.uuid, request.code) };
    case "hash":
      return hashAndTracker(request.ballot);
    case "check":
      return { faults: checkBallot(record, request.ballot) };
    case "check_opening":
      return { faults: checkOpening(record, request.ballot, request.opening) };
    case "canonical":
      return { json: canonicalJson(request.value), sha256: electionHash(request.value) };
    default:
      throw Object.assign(new Error(`unknown op ${request.op}`), { code: "op" });
  }
};

try {
  process.stdout.write(`${JSON.stringify(run(await read()))}\n`);
} catch (error) {
  const { code = "error", question, reason } = error;
  process.stdout.write(`${JSON.stringify({ error: code, message: error.message, question, reason })}\n`);
  process.exitCode = 1;
}
