// The AWS calls tests/aws_endpoints.rs makes from inside a task with the real AWS SDK for
// JavaScript v3, with nothing but the region set (trust from NODE_EXTRA_CA_CERTS, credentials
// from the default chain, names from the lab's DNS). Prints one JSON object.
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const { S3Client, GetObjectCommand } = require("@aws-sdk/client-s3");

const region = process.argv[2];
async function call(name, f, out) {
  try {
    out[name] = await f();
  } catch (e) {
    out[name] = { error: e.name, message: e.message };
  }
}

(async () => {
  const out = {};
  await call("sts", async () => (await new STSClient({ region }).send(new GetCallerIdentityCommand({}))).Arn, out);
  await call(
    "s3_get",
    async () => {
      const r = await new S3Client({ region }).send(new GetObjectCommand({ Bucket: "app-config", Key: "settings.json" }));
      return await r.Body.transformToString();
    },
    out,
  );
  console.log(JSON.stringify(out));
})();
