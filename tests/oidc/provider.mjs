// A real OpenID provider on loopback for the single sign-on tests (issue #16): npm oidc-provider 8 (OpenID
// Certified) with one confidential client, accounts from `idp.accounts`, and interactions that sign the chosen
// account in and grant consent at once (no pages). Extras for the refusal tests: `rotateKeys()` builds the provider
// again with a new signing key first in its JWKS (the old one kept), and `forge` makes the token endpoint answer
// with an ID token signed here with jose (expired, wrong audience, unknown key...).

import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../npm/package.json', import.meta.url));
const { default: Provider } = await import(require.resolve('oidc-provider'));
const jose = await import(require.resolve('jose'));

async function newSigningKey(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

/**
 * Starts the provider on 127.0.0.1 (random port). `register({client_id, client_secret, redirect_uris})` must be
 * called before a sign-in (the shortener's port, hence its redirect URI, is known only after it starts with the
 * issuer). Returns the fixture; `stop()` closes it.
 */
export async function startProvider() {
  const idp = {
    issuer: '',
    accounts: new Map([['alice-sub', { email: 'alice@example.com', email_verified: true }]]),
    account: 'alice-sub',  // who signs in next
    keys: [await newSigningKey('key-1')],
    client: null,
    forge: null,     // (claims) => ({ claims, key }) for a forged ID token from the token endpoint; null: the real one
    lastNonce: null,
    provider: null,
  };
  const server = http.createServer((req, res) => handle(idp, req, res));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  idp.issuer = `http://127.0.0.1:${server.address().port}`;
  idp.register = async (client) => { idp.client = client; build(idp); };
  idp.rotateKeys = async () => { idp.keys = [await newSigningKey(`key-${idp.keys.length + 1}`), ...idp.keys]; build(idp); };
  idp.sign = (claims, key = idp.keys[0]) => signed(claims, key);
  idp.newKey = newSigningKey;
  idp.stop = () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); });
  return idp;
}

function build(idp) {
  const provider = new Provider(idp.issuer, {
    clients: [{ ...idp.client, grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic' }],
    jwks: { keys: idp.keys },
    cookies: { keys: ['test-cookie-key'] },
    pkce: { required: () => true, methods: ['S256'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => {
      const a = idp.accounts.get(sub);
      return a && { accountId: sub, claims: () => ({ sub, ...a }) };
    },
    // email and email_verified in the ID token itself (as Google, Entra ID, Keycloak and Okta send them): the
    // shortener reads the ID token only, never the userinfo endpoint.
    conformIdTokenClaims: false,
    ttl: { AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  provider.proxy = false;
  idp.provider = provider;
}

async function signed(claims, key) {
  const privateKey = await jose.importJWK(key, 'RS256');
  return new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(privateKey);
}

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

async function handle(idp, req, res) {
  try {
    const url = new URL(req.url, idp.issuer);
    if (url.pathname === '/auth') idp.lastNonce = url.searchParams.get('nonce');
    if (url.pathname.startsWith('/interaction/')) return await interact(idp, req, res);
    if (url.pathname === '/token' && idp.forge) return await forgedToken(idp, req, res);
    idp.provider.callback()(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e?.stack ?? e));
  }
}

// Login and consent without pages: the account in idp.account, every scope asked for.
async function interact(idp, req, res) {
  const provider = idp.provider;
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId: idp.account } }, { mergeWithLastSubmission: false });
  }
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function forgedToken(idp, req, res) {
  await body(req);
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: idp.issuer, aud: idp.client.client_id, sub: idp.account, nonce: idp.lastNonce, iat: now,
    exp: now + 300, ...idp.accounts.get(idp.account) };
  const { claims, key } = await idp.forge(base);
  const idToken = await signed(claims, key ?? idp.keys[0]);
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ access_token: 'forged', token_type: 'Bearer', expires_in: 300, id_token: idToken }));
}
