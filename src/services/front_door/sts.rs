//! STS (query protocol, XML answers): GetCallerIdentity, on the regional and the global host.
//! Who the caller is comes from the access key in the SigV4 scope and the spec's principals;
//! an unknown key gets STS's `InvalidClientTokenId`, as AWS answers a key it has never issued.

use super::FrontDoor;
use super::http::{Req, Resp, query_pairs, request_id, xml_escape};
use super::sigv4::SigV4;

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const VERSION: &str = "2011-06-15";

/// Answer an STS request.
pub fn handle(door: &FrontDoor, sig: Option<&SigV4>, req: &Req) -> Resp {
    // Parameters come in the form body (POST, what SDKs send) or the query (GET).
    let mut params = query_pairs(&req.query);
    if req.method == "POST" {
        params.extend(query_pairs(&String::from_utf8_lossy(&req.body)));
    }
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(action) = get("Action") else {
        return error(400, "Sender", "MissingAction", "Missing Action");
    };
    match action {
        "GetCallerIdentity" => get_caller_identity(door, sig),
        other => {
            let version = get("Version").unwrap_or(VERSION);
            error(400, "Sender", "InvalidAction", &format!("Could not find operation {other} for version {version}"))
        }
    }
}

fn get_caller_identity(door: &FrontDoor, sig: Option<&SigV4>) -> Resp {
    let Some(sig) = sig else {
        return error(403, "Sender", "MissingAuthenticationToken", "Request is missing Authentication Token");
    };
    let key = &sig.credential.access_key_id;
    let Some((p, _)) = door.principal(key) else {
        return error(403, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid.");
    };
    let account = arn_account(&p.arn).unwrap_or(&door.account).to_string();
    let user_id = p.user_id.clone().unwrap_or_else(|| user_id(&p.arn, &account));
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    \
         <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    \
         <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        xml_escape(&p.arn),
        xml_escape(&user_id),
        xml_escape(&account),
        request_id()
    );
    Resp::new(200, "text/xml", body)
}

/// The account of an ARN (`arn:aws:sts::123456789012:...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The UserId AWS shows for an ARN: `AROA...:<session>` for an assumed role, `AIDA...` for a
/// user, the account for root. The unique ids are stable per name (AWS's are random).
pub fn user_id(arn: &str, account: &str) -> String {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let unique = |prefix: &str, name: &str| {
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let h = ring::digest::digest(&ring::digest::SHA256, format!("{account}/{name}").as_bytes());
        let tail: String = h.as_ref().iter().take(17).map(|b| ALNUM[usize::from(b % 32)] as char).collect();
        format!("{prefix}{tail}")
    };
    match resource.split('/').collect::<Vec<_>>().as_slice() {
        ["assumed-role", role, session] => format!("{}:{session}", unique("AROA", role)),
        ["user", .., name] => unique("AIDA", name),
        ["root"] => account.to_string(),
        _ => unique("AIDA", resource),
    }
}

/// STS's error document. `kind` is `Sender` or `Receiver`.
pub fn error(status: u16, kind: &str, code: &str, message: &str) -> Resp {
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        xml_escape(code),
        xml_escape(message),
        request_id()
    );
    Resp::new(status, "text/xml", body)
}
