// The only client glue: every htmx request carries the CSRF token of the page.
document.addEventListener("htmx:config:request", (evt) => {
  const token = document.body.dataset.csrf;
  const ctx = evt.detail && evt.detail.ctx;
  if (token && ctx && ctx.request && ctx.request.headers) ctx.request.headers["X-CSRF-Token"] = token;
});
