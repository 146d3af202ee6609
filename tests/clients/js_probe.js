// What a credential provider of the AWS SDK for JavaScript v3 gets where this runs (an ecsnet
// node, through `ecsnet exec`), printed as one JSON object.
//
//     node js_probe.js instance|container|chain
//
// instance: fromInstanceMetadata(), container: fromContainerMetadata(), chain:
// fromNodeProviderChain() (the default chain of every v3 client), each with its defaults.
// Nothing here speaks HTTP: the SDK does. The only addition is a wrapper around node:http's
// request, which the SDK's metadata providers call, that writes down each request (method,
// path, whether it carried an IMDSv2 token) and what came of it (status, timeout or error), so a
// test can tell an IMDSv2 answer from an IMDSv1 fallback. Used by tests/sdk_clients.rs;
// installed with scripts/sdk-clients.sh.
"use strict";

const http = require("node:http");

const calls = [];
const request = http.request;
http.request = function (options, ...rest) {
  const headers = (options && options.headers) || {};
  const call = {
    method: (options && options.method) || "GET",
    path: options && options.path,
    token: Object.keys(headers).some((h) => h.toLowerCase() === "x-aws-ec2-metadata-token"),
  };
  calls.push(call);
  const started = Date.now();
  const req = request.call(this, options, ...rest);
  const done = () => {
    if (call.seconds === undefined) call.seconds = (Date.now() - started) / 1000;
  };
  req.on("response", (res) => {
    call.status = res.statusCode;
    done();
  });
  req.on("timeout", () => {
    call.error = "timeout";
    done();
  });
  req.on("error", (e) => {
    call.error = call.error || e.code || e.message;
    done();
  });
  return req;
};

const providers = require("@aws-sdk/credential-providers");
const version = require("@aws-sdk/credential-providers/package.json").version;
const make = {
  instance: providers.fromInstanceMetadata,
  container: providers.fromContainerMetadata,
  chain: providers.fromNodeProviderChain,
}[process.argv[2]];
if (!make) {
  console.error("usage: node js_probe.js instance|container|chain");
  process.exit(2);
}

const started = Date.now();
const report = (fields) => {
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ sdk: version, node: process.version, seconds, ...fields, calls }));
};
make()().then(
  (c) => report({ accessKeyId: c.accessKeyId, sessionToken: c.sessionToken, expiration: c.expiration }),
  (e) => report({ error: e.name, message: e.message }),
);
