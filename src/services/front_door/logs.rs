//! CloudWatch Logs (JSON 1.1, `X-Amz-Target: Logs_20140328.<Op>`): CreateLogGroup,
//! CreateLogStream and PutLogEvents, which the awslogs driver and the SDKs call, GetLogEvents
//! to read back what a task wrote, and DescribeLogStreams. Log groups are the scenario's;
//! streams and events are made at run time. Each call is authorized by IAM first
//! ([`iam_request`]).

use super::FrontDoor;
use super::data::{LogStream, MAX_EVENTS, Store};
use super::http::{
    Req, Resp, json_body, json_error, json_ok, missing_member, serialization_exception, target_operation,
    unknown_operation,
};
pub use crate::scenario::aws::log_arn;
use serde_json::{Value, json};

pub const TARGET_PREFIX: &str = "Logs_20140328";
/// Events more than 14 days old or 2 hours ahead are rejected, as CloudWatch Logs does.
const TOO_OLD_MS: i64 = 14 * 24 * 3600 * 1000;
const TOO_NEW_MS: i64 = 2 * 3600 * 1000;

/// Answer a CloudWatch Logs request.
pub fn handle(door: &FrontDoor, store: &mut Store, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    match op {
        "CreateLogGroup" => create_log_group(store, &body),
        "CreateLogStream" => create_log_stream(door, store, &body),
        "PutLogEvents" => put_log_events(door, store, &body),
        "GetLogEvents" => get_log_events(store, &body),
        "DescribeLogStreams" => describe_log_streams(door, store, &body),
        _ => unknown_operation(),
    }
}

/// The IAM action and resource of a Logs request (`logs:CreateLogStream` on the stream); None
/// when the request is not one (its own error comes later).
pub fn iam_request(door: &FrontDoor, req: &Req) -> Option<(String, String)> {
    let op = target_operation(req, TARGET_PREFIX)?;
    let body = json_body(req)?;
    let group = body["logGroupName"].as_str()?;
    let stream = match op {
        "CreateLogGroup" | "DescribeLogStreams" => "",
        "CreateLogStream" | "PutLogEvents" | "GetLogEvents" => body["logStreamName"].as_str()?,
        _ => return None,
    };
    Some((format!("logs:{op}"), log_arn(&door.region, &door.account, group, stream)))
}

fn logs_error(code: &str, message: &str) -> Resp {
    json_error(400, code, "message", Some(message))
}

fn group_missing() -> Resp {
    logs_error("ResourceNotFoundException", "The specified log group does not exist.")
}

fn stream_missing() -> Resp {
    logs_error("ResourceNotFoundException", "The specified log stream does not exist.")
}

/// The group and stream a request names, or the validation error for a missing member.
fn names(body: &Value) -> Result<(&str, &str), Resp> {
    let group = body["logGroupName"]
        .as_str()
        .ok_or_else(|| logs_error("InvalidParameterException", &missing_member("logGroupName")))?;
    let stream = body["logStreamName"]
        .as_str()
        .ok_or_else(|| logs_error("InvalidParameterException", &missing_member("logStreamName")))?;
    Ok((group, stream))
}

/// What the awslogs driver calls first with `awslogs-create-group: "true"`.
fn create_log_group(store: &mut Store, body: &Value) -> Resp {
    let Some(group) = body["logGroupName"].as_str() else {
        return logs_error("InvalidParameterException", &missing_member("logGroupName"));
    };
    if store.log_groups.contains_key(group) {
        return logs_error("ResourceAlreadyExistsException", "The specified log group already exists");
    }
    store.log_groups.insert(group.to_string(), Default::default());
    json_ok(&json!({}))
}

fn create_log_stream(door: &FrontDoor, store: &mut Store, body: &Value) -> Resp {
    let (group, stream) = match names(body) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(streams) = store.log_groups.get_mut(group) else { return group_missing() };
    if streams.contains_key(stream) {
        return logs_error("ResourceAlreadyExistsException", "The specified log stream already exists");
    }
    streams.insert(stream.to_string(), LogStream { created_ms: door.now() * 1000, ..LogStream::default() });
    json_ok(&json!({}))
}

/// The sequence token after `puts` calls (the service ignores tokens now; SDKs still read it).
fn sequence_token(puts: u64) -> String {
    format!("{:056}", puts)
}

fn put_log_events(door: &FrontDoor, store: &mut Store, body: &Value) -> Resp {
    let (group, stream) = match names(body) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(events) = body["logEvents"].as_array() else {
        return logs_error("InvalidParameterException", &missing_member("logEvents"));
    };
    let Some(streams) = store.log_groups.get_mut(group) else { return group_missing() };
    let Some(s) = streams.get_mut(stream) else { return stream_missing() };
    let now_ms = (door.now() * 1000) as i64;
    let mut accepted = vec![];
    let (mut too_old_end, mut too_new_start) = (None, None);
    for (i, e) in events.iter().enumerate() {
        let (Some(ts), Some(msg)) = (e["timestamp"].as_i64(), e["message"].as_str()) else {
            return logs_error(
                "InvalidParameterException",
                &missing_member(&format!("logEvents.{}.member.timestamp", i + 1)),
            );
        };
        if ts < now_ms - TOO_OLD_MS {
            too_old_end = Some(i);
        } else if ts > now_ms + TOO_NEW_MS {
            too_new_start.get_or_insert(i);
        } else {
            accepted.push((ts, msg.to_string()));
        }
    }
    s.events.extend(accepted);
    if s.events.len() > MAX_EVENTS {
        let extra = s.events.len() - MAX_EVENTS;
        s.events.drain(..extra);
    }
    s.puts += 1;
    let mut out = json!({ "nextSequenceToken": sequence_token(s.puts) });
    if too_old_end.is_some() || too_new_start.is_some() {
        let mut info = json!({});
        if let Some(i) = too_old_end {
            info["tooOldLogEventEndIndex"] = i.into();
        }
        if let Some(i) = too_new_start {
            info["tooNewLogEventStartIndex"] = i.into();
        }
        out["rejectedLogEventsInfo"] = info;
    }
    json_ok(&out)
}

/// A group's streams (those whose name starts with `logStreamNamePrefix`), by name.
fn describe_log_streams(door: &FrontDoor, store: &Store, body: &Value) -> Resp {
    let Some(group) = body["logGroupName"].as_str() else {
        return logs_error("InvalidParameterException", &missing_member("logGroupName"));
    };
    let Some(streams) = store.log_groups.get(group) else { return group_missing() };
    let prefix = body["logStreamNamePrefix"].as_str().unwrap_or_default();
    let out: Vec<Value> = streams
        .iter()
        .filter(|(n, _)| n.starts_with(prefix))
        .map(|(n, s)| {
            let last = s.events.last().map(|(ts, _)| *ts);
            let mut v = json!({
                "logStreamName": n,
                "creationTime": s.created_ms,
                "arn": log_arn(&door.region, &door.account, group, n),
                "storedBytes": 0,
            });
            if let (Some(first), Some(last)) = (s.events.first().map(|(ts, _)| *ts), last) {
                v["firstEventTimestamp"] = first.into();
                v["lastEventTimestamp"] = last.into();
                v["lastIngestionTime"] = last.into();
            }
            v
        })
        .collect();
    json_ok(&json!({ "logStreams": out }))
}

fn get_log_events(store: &Store, body: &Value) -> Resp {
    let (group, stream) = match names(body) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let Some(streams) = store.log_groups.get(group) else { return group_missing() };
    let Some(s) = streams.get(stream) else { return stream_missing() };
    let events: Vec<Value> =
        s.events.iter().map(|(ts, m)| json!({ "timestamp": ts, "message": m, "ingestionTime": ts })).collect();
    json_ok(&json!({
        "events": events,
        "nextForwardToken": format!("f/{:056}", s.events.len()),
        "nextBackwardToken": format!("b/{:056}", 0),
    }))
}
