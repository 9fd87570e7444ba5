// Where the API is and how people sign in. Edit it when deploying (docs/web.md);
// the local stack serves its own.
export default {
  "apiBase": "",
  "signIn": "local",
  "cognito": {
    "domain": "",
    "clientId": "",
    "redirectUri": "",
    "logoutUri": "",
    "scopes": [
      "openid",
      "email"
    ]
  },
  "devTools": true
};
