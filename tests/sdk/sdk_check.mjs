// The official Feishu Node SDK as judge of hrsync-emulator: every Feishu endpoint the emulator
// serves, called through the SDK's own client, must answer what the documents say (code 0 and
// the data shape; docs/api-notes.md). It starts nothing: scripts/sdk_check.sh starts the emulator
// with samples/employees.csv (--fixture-every-member) and samples/groups.csv and passes its base
// URL and the photo to upload.
//
//   node sdk_check.mjs http://127.0.0.1:PORT samples/photos/E0001.jpg
//
// Exits 0 when every check passed, 1 otherwise (each failure printed).
import { readFileSync } from "node:fs";
import * as lark from "@larksuiteoapi/node-sdk";

const [baseUrl, photoPath] = process.argv.slice(2);
if (!baseUrl || !photoPath) {
  console.error("usage: node sdk_check.mjs BASE_URL PHOTO");
  process.exit(2);
}
const appId = "cli_demo";
const appSecret = process.env.HRSYNC_EMULATOR_APP_SECRET || "demo-secret";
const client = new lark.Client({
  appId,
  appSecret,
  domain: baseUrl,
  appType: lark.AppType.SelfBuild,
  loggerLevel: lark.LoggerLevel.fatal,
});

let failures = 0;
let checks = 0;
function expect(cond, what) {
  checks += 1;
  if (!cond) {
    failures += 1;
    console.error(`FAIL: ${what}`);
  }
}

// Runs one SDK call; a thrown error (an HTTP error status) is a failure with its body.
async function call(what, fn) {
  try {
    const res = await fn();
    expect(res && res.code === 0, `${what}: code 0 (got ${JSON.stringify(res).slice(0, 300)})`);
    return res || {};
  } catch (e) {
    const body = e?.response?.data ?? e?.message ?? e;
    expect(false, `${what}: threw ${JSON.stringify(body).slice(0, 300)}`);
    return {};
  }
}

const byUserId = { user_id_type: "user_id" };

async function token() {
  const res = await call("token", () =>
    client.auth.tenantAccessToken.internal({ data: { app_id: appId, app_secret: appSecret } }));
  expect(typeof res.tenant_access_token === "string" && res.tenant_access_token.startsWith("t-"), "token: tenant_access_token at top level");
  expect(Number.isInteger(res.expire) && res.expire > 0, "token: expire in seconds");
}

async function contactUsers() {
  const batch = await call("users batch", () =>
    client.contact.user.batch({ params: { user_ids: ["u0001", "u0002", "nobody"], ...byUserId, department_id_type: "open_department_id" } }));
  const items = batch.data?.items ?? [];
  expect(items.length === 2, `users batch: two of three ids held (got ${items.length})`);
  expect(items[0]?.user_id === "u0001" && typeof items[0]?.name === "string", "users batch: user objects in the update's member names");
  expect(Array.isArray(items[0]?.department_ids), "users batch: department_ids");

  const got = await call("user get", () => client.contact.user.get({ path: { user_id: "u0001" }, params: byUserId }));
  const user = got.data?.user ?? {};
  expect(user.user_id === "u0001" && typeof user.open_id === "string", "user get: data.user with its ids");

  const patched = await call("user patch", () =>
    client.contact.user.patch({ path: { user_id: "u0001" }, params: byUserId, data: { job_title: "Checked by the SDK" } }));
  expect(patched.data?.user?.job_title === "Checked by the SDK", "user patch: data.user holds the change");

  // A PUT replaces the user: send u0002 its own required members back.
  const u2 = items[1] ?? {};
  const put = { name: u2.name, mobile: u2.mobile, email: u2.email, department_ids: u2.department_ids, employee_type: u2.employee_type ?? 1 };
  await call("user update (PUT)", () => client.contact.user.update({ path: { user_id: "u0002" }, params: byUserId, data: put }));

  const body = { user_id: "sdk0001", name: "SDK Check", mobile: "+8613900000001", email: "sdk0001@example.com", department_ids: user.department_ids, employee_type: 1 };
  const params = { ...byUserId, department_id_type: "open_department_id", client_token: "sdk-check-0001" };
  const created = await call("user create", () => client.contact.user.create({ params, data: body }));
  expect(created.data?.user?.user_id === "sdk0001", "user create: data.user with the given user_id");
  const again = await call("user create again (same client_token)", () => client.contact.user.create({ params, data: body }));
  expect(again.data?.user?.open_id === created.data?.user?.open_id, "user create again: the first answer");
}

async function contactGroups() {
  const got = await call("group get", () => client.contact.group.get({ path: { group_id: "g-all-staff" } }));
  expect(typeof got.data?.group?.name === "string", "group get: data.group.name");
  await call("group patch", () => client.contact.group.patch({ path: { group_id: "g-all-staff" }, data: { description: "checked by the SDK" } }));
  const created = await call("group create", () => client.contact.group.create({ data: { group_id: "g-sdk-check", name: "SDK check", type: 1 } }));
  expect(created.data?.group_id === "g-sdk-check", "group create: data.group_id");
}

async function attendance() {
  const uploaded = await (async () => {
    try {
      return await client.attendance.file.upload({ params: { file_name: "face.jpg" }, data: { file: readFileSync(photoPath) } });
    } catch (e) {
      expect(false, `file upload: threw ${JSON.stringify(e?.response?.data ?? e?.message).slice(0, 300)}`);
      return null;
    }
  })();
  // The SDK's upload returns the answer's data, { file: { file_id } }, as its types and the upload
  // document give it.
  const fileId = uploaded?.file?.file_id;
  expect(typeof fileId === "string" && fileId.length > 0, `file upload: data.file.file_id (got ${JSON.stringify(uploaded)})`);
  const params = { employee_type: "employee_no" };
  await call("settings modify", () => client.attendance.userSetting.modify({ params, data: { user_setting: { user_id: "E0001", face_key: fileId ?? "k" } } }));
  const q = await call("settings query", () => client.attendance.userSetting.query({ params, data: { user_ids: ["E0001", "E9999"] } }));
  const settings = q.data?.user_settings ?? [];
  expect(settings.length === 1 && settings[0].user_id === "E0001", "settings query: the held user only");
  expect(settings[0]?.face_key === (fileId ?? "k"), "settings query: the face_key just set");
}

async function acs() {
  await call("acs patch", () => client.acs.user.patch({ path: { user_id: "u0001" }, params: byUserId, data: { feature: { card: 123456 } } }));
  const got = await call("acs get", () => client.acs.user.get({ path: { user_id: "u0001" }, params: byUserId }));
  expect(got.data?.user?.feature?.card === 123456, "acs get: data.user.feature.card");
  const seen = new Set();
  let pageToken;
  let pages = 0;
  for (;;) {
    const page = await call(`acs list page ${pages + 1}`, () =>
      client.acs.user.list({ params: { page_size: 50, ...byUserId, ...(pageToken ? { page_token: pageToken } : {}) } }));
    pages += 1;
    for (const u of page.data?.items ?? []) {
      expect(!seen.has(u.user_id), `acs list: ${u.user_id} once`);
      seen.add(u.user_id);
    }
    if (!page.data?.has_more || pages > 100) break;
    pageToken = page.data.page_token;
  }
  expect(pages > 1 && seen.size > 50, `acs list: pages walked with has_more/page_token (${pages} pages, ${seen.size} users)`);
}

await token();
await contactUsers();
await contactGroups();
await attendance();
await acs();
console.log(`sdk_check: ${checks - failures}/${checks} checks passed (@larksuiteoapi/node-sdk against ${baseUrl})`);
process.exit(failures === 0 ? 0 : 1);
