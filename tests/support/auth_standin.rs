//! STAND-IN for Supabase Auth (GoTrue), which cannot be installed here: only its token
//! endpoint (`POST /auth/v1/token?grant_type=password|refresh_token`) and `POST /auth/v1/logout`,
//! with single-use refresh tokens and revocation. Access tokens are HS256 JWTs signed with the
//! test secret, so the real PostgREST accepts them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::proxy::{respond, Server};
use super::{jwt, unix_now};

#[derive(Default)]
struct State {
    /// email -> (password, user id)
    users: HashMap<String, (String, String)>,
    /// refresh token -> (user id, usable)
    refresh: HashMap<String, (String, bool)>,
    access_ttl: u64,
    counter: u64,
    refresh_grants: u64,
}

pub struct AuthStandin {
    pub server: Server,
    state: Arc<Mutex<State>>,
    pub anon_key: String,
}

impl AuthStandin {
    pub fn start(anon_key: &str) -> AuthStandin {
        let state = Arc::new(Mutex::new(State {
            access_ttl: 3600,
            ..State::default()
        }));
        let st = state.clone();
        let key = anon_key.to_string();
        let server = Server::start(move |req, s| {
            if req.header("apikey") != Some(key.as_str()) {
                respond(
                    s,
                    401,
                    "Unauthorized",
                    r#"{"message":"No API key found in request"}"#,
                );
                return;
            }
            let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let mut g = st.lock().expect("stand-in state");
            if req.method == "POST" && req.target.starts_with("/auth/v1/logout") {
                let token = req
                    .header("authorization")
                    .unwrap_or("")
                    .trim_start_matches("Bearer ");
                let sub = decode_sub(token);
                for (_, (uid, usable)) in g.refresh.iter_mut() {
                    if Some(uid.as_str()) == sub.as_deref() {
                        *usable = false;
                    }
                }
                respond(s, 204, "No Content", "");
                return;
            }
            if req.method != "POST" || !req.target.starts_with("/auth/v1/token") {
                respond(s, 404, "Not Found", r#"{"message":"not found"}"#);
                return;
            }
            let user = if req.target.contains("grant_type=password") {
                let email = body["email"].as_str().unwrap_or("");
                let pw = body["password"].as_str().unwrap_or("");
                match g.users.get(email) {
                    Some((p, uid)) if p == pw => Some((uid.clone(), email.to_string())),
                    _ => {
                        respond(
                            s,
                            400,
                            "Bad Request",
                            r#"{"error":"invalid_grant","error_description":"Invalid login credentials"}"#,
                        );
                        return;
                    }
                }
            } else if req.target.contains("grant_type=refresh_token") {
                let rt = body["refresh_token"].as_str().unwrap_or("").to_string();
                match g.refresh.get_mut(&rt) {
                    Some((uid, usable)) if *usable => {
                        *usable = false; // single use
                        let uid = uid.clone();
                        g.refresh_grants += 1;
                        let email = g
                            .users
                            .iter()
                            .find(|(_, (_, id))| *id == uid)
                            .map(|(e, _)| e.clone())
                            .unwrap_or_default();
                        Some((uid, email))
                    }
                    Some(_) => {
                        respond(
                            s,
                            400,
                            "Bad Request",
                            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Already Used or Revoked"}"#,
                        );
                        return;
                    }
                    None => {
                        respond(
                            s,
                            400,
                            "Bad Request",
                            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Refresh Token Not Found"}"#,
                        );
                        return;
                    }
                }
            } else {
                respond(
                    s,
                    400,
                    "Bad Request",
                    r#"{"error":"unsupported_grant_type"}"#,
                );
                return;
            };
            let Some((uid, email)) = user else { return };
            g.counter += 1;
            let refresh_token = format!("rt-{}-{}", g.counter, unix_now());
            g.refresh.insert(refresh_token.clone(), (uid.clone(), true));
            let exp = unix_now() + g.access_ttl;
            let body = serde_json::json!({
                "access_token": jwt(Some(&uid), "authenticated", exp),
                "token_type": "bearer",
                "expires_in": g.access_ttl,
                "expires_at": exp,
                "refresh_token": refresh_token,
                "user": {"id": uid, "email": email},
            });
            respond(s, 200, "OK", &body.to_string());
        });
        AuthStandin {
            server,
            state,
            anon_key: anon_key.to_string(),
        }
    }

    /// `SUPABASE_URL` for this stand-in (REST is elsewhere: set SUPABASE_REST_URL too).
    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn add_user(&self, email: &str, password: &str, user_id: &str) {
        self.state
            .lock()
            .expect("state")
            .users
            .insert(email.into(), (password.into(), user_id.into()));
    }

    /// Revokes every refresh token of the user (as an admin sign-out does).
    pub fn revoke_all(&self, user_id: &str) {
        for (_, (uid, usable)) in self.state.lock().expect("state").refresh.iter_mut() {
            if uid == user_id {
                *usable = false;
            }
        }
    }

    pub fn refresh_grants(&self) -> u64 {
        self.state.lock().expect("state").refresh_grants
    }
}

fn decode_sub(token: &str) -> Option<String> {
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    v.validate_aud = false;
    let d = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(super::JWT_SECRET.as_bytes()),
        &v,
    )
    .ok()?;
    d.claims["sub"].as_str().map(String::from)
}
