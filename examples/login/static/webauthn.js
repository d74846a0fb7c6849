// The only script of the login service: it hands Zitadel's WebAuthn
// challenge (the form's data-webauthn attribute) to the browser's passkey
// prompt and posts the signed answer back with the form.
"use strict";

const form = document.querySelector("form[data-webauthn]");
const status = form.querySelector("[data-status]");

// base64url <-> bytes, for browsers without the WebAuthn JSON helpers.
const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const b64url = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: bytes(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })) };
}

function assertionJSON(cred) {
  if (cred.toJSON) return cred.toJSON();
  const r = cred.response;
  return { id: cred.id, rawId: b64url(cred.rawId), type: cred.type, clientExtensionResults: {},
    response: { clientDataJSON: b64url(r.clientDataJSON), authenticatorData: b64url(r.authenticatorData),
      signature: b64url(r.signature), userHandle: r.userHandle ? b64url(r.userHandle) : null } };
}

async function signIn() {
  status.hidden = true;
  try {
    const options = JSON.parse(form.dataset.webauthn).publicKey;
    const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
    form.elements.assertion.value = JSON.stringify(assertionJSON(cred));
    form.submit();
  } catch (err) {
    status.textContent = "No passkey answered (" + err.name + "). Try again, or choose another way.";
    status.hidden = false;
  }
}

// On the button's click (some browsers allow WebAuthn only on a user gesture).
form.addEventListener("submit", (event) => { event.preventDefault(); signIn(); });
