// A resident's "where is my repair?" app against odx-graph, typed from the schema.
//
// The same flow as ../python/resident_app.py: the landlord signs a resident up
// (issueResidentToken), the app holds only the token, reports a repair and follows it
// live over graphql-transport-ws (the token in connection_init) through the contractor's
// updates, then the landlord revokes the token and the subscription ends. Every result
// and code below is a type generated from the schema (src/generated.ts).
//
// ODX_URL (default http://127.0.0.1:8000), LANDLORD_KEY and CONTRACTOR_KEY.
import { readFileSync } from "node:fs";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import {
  AccessTier,
  type AssignMutation,
  type AssignMutationVariables,
  type CompleteMutation,
  type CompleteMutationVariables,
  type FollowSubscription,
  type IssueTokenMutation,
  type IssueTokenMutationVariables,
  type MutationErrorCode,
  type MyOrganisationHomesQuery,
  PriorityCode,
  type PublicViewQuery,
  type PublicViewQueryVariables,
  RepairStatusCode,
  type ReportMutation,
  type ReportMutationVariables,
  type RevokeMutation,
  type RevokeMutationVariables,
  type SetStatusMutation,
  type SetStatusMutationVariables,
  type WhoAmIQuery,
} from "./generated.js";

const URL_BASE = (process.env.ODX_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
const DOCUMENT = readFileSync(new URL("../src/operations.graphql", import.meta.url), "utf8");

type Failure = { __typename: "MutationError"; code: MutationErrorCode; field: string | null; message: string };

/** Run the named operation of operations.graphql, with `token` as the key (none: public). */
async function call<R, V = Record<string, never>>(name: string, variables: V, token?: string): Promise<R> {
  const response = await fetch(`${URL_BASE}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: DOCUMENT, operationName: name, variables }),
  });
  if (response.status !== 200) throw new Error(`${name}: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { data?: R; errors?: { message: string }[] };
  if (body.errors) throw new Error(`${name}: ${body.errors[0].message}`);
  return body.data as R;
}

/** A mutation's payload, or a stop saying why it did not happen. */
function payload<T extends { __typename: string }>(result: T | Failure, what: string): Exclude<T, Failure> {
  if (result.__typename === "MutationError") {
    const failure = result as Failure;
    throw new Error(`${what}: ${failure.code} ${failure.message}`);
  }
  return result as Exclude<T, Failure>;
}

function check(ok: boolean, what: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) process.exit(1);
}

type Update = FollowSubscription["repairUpdated"];

async function main(): Promise<void> {
  const landlord = process.env.LANDLORD_KEY!;
  const contractor = process.env.CONTRACTOR_KEY!;

  const mine = await call<MyOrganisationHomesQuery>("MyOrganisationHomes", {}, landlord);
  const homes = mine.viewer.organisation!.homes.nodes;
  const home = homes.find((h) => h.uprn) ?? homes[0];
  const issued = payload(
    (await call<IssueTokenMutation, IssueTokenMutationVariables>(
      "IssueToken",
      { home: home.uprn ? { uprn: home.uprn, id: null, reference: null } : { id: home.id, uprn: null, reference: null } },
      landlord,
    )).issueResidentToken,
    "issueResidentToken",
  );
  const token = issued.token!;
  check(token.startsWith("odx_"), `resident signed up; token expires ${issued.residentToken!.expiresAt}`);

  const me = await call<WhoAmIQuery>("WhoAmI", {}, token);
  check(me.viewer.tier === AccessTier.RESIDENT && me.viewer.home?.id === home.id, "viewer: the token's own home");

  const reported = payload(
    (await call<ReportMutation, ReportMutationVariables>(
      "Report",
      { home: home.id, key: `ts-report-${issued.residentToken!.id}` },
      token,
    )).reportRepair,
    "reportRepair",
  );
  const repairId = reported.repair.id;
  check(reported.repair.status.value === RepairStatusCode.REPORTED, "repair reported");

  // Browsers cannot set headers on a WebSocket: the token goes in connection_init.
  const live = createClient({
    url: URL_BASE.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const updates: Update[] = [];
  let endedWith = "";
  const ended = new Promise<void>((resolve) => {
    live.subscribe<FollowSubscription>(
      { query: DOCUMENT, operationName: "Follow", variables: { id: repairId } },
      {
        next: (result) => {
          if (result.errors) endedWith = String(result.errors[0].extensions?.code);
          else if (result.data) updates.push(result.data.repairUpdated);
        },
        error: (error) => {
          endedWith = `error ${String(error)}`;
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  await sleep(1000); // the subscription is in place

  const contractorOrg = (await call<MyOrganisationHomesQuery>("MyOrganisationHomes", {}, contractor))
    .viewer.organisation!.id;
  payload(
    (await call<AssignMutation, AssignMutationVariables>(
      "Assign", { id: repairId, contractor: contractorOrg, priority: PriorityCode.P3 }, landlord,
    )).assignRepair,
    "assignRepair",
  );
  await until(() => updates.length >= 1);
  payload(
    (await call<SetStatusMutation, SetStatusMutationVariables>(
      "SetStatus", { id: repairId, status: RepairStatusCode.IN_PROGRESS }, contractor,
    )).updateRepairStatus,
    "updateRepairStatus",
  );
  await until(() => updates.length >= 2);
  const done = payload(
    (await call<CompleteMutation, CompleteMutationVariables>(
      "Complete",
      { id: repairId, lines: [{ sorCode: "601101", quantity: "1", unitCost: "27.23", cost: null }] },
      contractor,
    )).completeRepair,
    "completeRepair",
  );
  await until(() => updates.length >= 3);
  const histories = updates.map((u) => u.statusHistory.map((s) => s.status.value).join(","));
  for (const u of updates) console.log(`     live: ${u.status.label.padEnd(12)} history ${u.statusHistory.length}`);
  check(
    JSON.stringify(histories) ===
      JSON.stringify(["REPORTED,SCHEDULED", "REPORTED,SCHEDULED,IN_PROGRESS", "REPORTED,SCHEDULED,IN_PROGRESS,COMPLETE"]),
    "each live update carries the status history as committed",
  );
  const last = updates[updates.length - 1];
  check(
    last.lines.length === 1 && last.lines[0].cost === "27.23" && last.cost === "27.23" &&
      "repair" in done && done.repair.cost === "27.23",
    "completion: line cost from the unit cost, repair cost from the lines",
  );
  check(updates.every((u) => u.description === "Bathroom light flickers" && u.redacted.length === 0),
    "the resident sees their own description");

  payload(
    (await call<RevokeMutation, RevokeMutationVariables>(
      "Revoke", { id: issued.residentToken!.id }, landlord,
    )).revokeResidentToken,
    "revokeResidentToken",
  );
  await Promise.race([ended, sleep(10000)]);
  check(endedWith === "UNAUTHENTICATED", "revoked: the subscription ended with UNAUTHENTICATED");
  const seen = await call<PublicViewQuery, PublicViewQueryVariables>("PublicView", { id: repairId });
  const repair = seen.node as { description: string | null; redacted: string[] };
  check(repair.description === null && repair.redacted[0] === "description",
    "the description is not shared any more (redacted, not empty)");
  await live.dispose();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(50);
  if (!condition()) throw new Error("a live update did not arrive within ten seconds");
}

main().catch((error: unknown) => {
  console.error(`FAIL ${String(error)}`);
  process.exit(1);
});
