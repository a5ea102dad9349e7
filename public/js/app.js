// Controls that need this script (class js-only) show only when it runs; their plain-form
// stand-ins (no-js-only) only when it does not (app.css).
document.documentElement.classList.add("js");

// Every htmx request carries the CSRF token of the page.
document.addEventListener("htmx:config:request", (evt) => {
  const token = document.body.dataset.csrf;
  const ctx = evt.detail && evt.detail.ctx;
  if (token && ctx && ctx.request && ctx.request.headers) ctx.request.headers["X-CSRF-Token"] = token;
});

// Import review: "在光标处拆分" sends where the cursor is in the problem's text; "全选" ticks every problem.
document.addEventListener(
  "click",
  (evt) => {
    const button = evt.target instanceof Element && evt.target.closest("button[data-split]");
    if (!button || !button.form) return;
    const text = button.form.querySelector("[data-split-source]");
    if (text && button.form.elements.at) button.form.elements.at.value = String(text.selectionStart ?? "");
  },
  true,
);
document.addEventListener("change", (evt) => {
  const all = evt.target instanceof Element && evt.target.closest("[data-pick-all]");
  if (!all) return;
  for (const box of document.querySelectorAll("input.pick")) box.checked = all.checked;
});

// The task list's unit filter, where there are many units, arrives with only the chosen unit; its
// full list comes from a versioned URL the browser caches (GET /tasks/unit-options), so a list
// page does not carry every unit every time. The choice on screen is kept while the list fills.
function fillUnitOptions() {
  for (const select of document.querySelectorAll("select[data-options-src]")) {
    const src = select.getAttribute("data-options-src");
    select.removeAttribute("data-options-src");
    fetch(src, { credentials: "same-origin" })
      .then((res) => (res.ok ? res.text() : Promise.reject(new Error(String(res.status)))))
      .then((html) => {
        const chosen = select.value;
        select.innerHTML = html;
        select.value = chosen;
      })
      .catch(() => select.setAttribute("title", "单位列表未能载入，请刷新页面"));
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fillUnitOptions);
else fillUnitOptions();

// 责任人 are people of the chosen 责任单位's tree (the server checks it too): the owner list beside
// a unit list offers only them. Owner options carry their unit's path (/1/4/9/); a chosen owner who
// falls outside is cleared, and the change is announced so an autosaving form saves it.
function narrowOwners(form) {
  const unit = form.querySelector("select[name=unitId]");
  const owner = form.querySelector("select[name=ownerId]");
  if (!unit || !owner || !unit.value) return;
  for (const opt of owner.querySelectorAll("option[data-path]")) {
    const outside = !opt.getAttribute("data-path").includes(`/${unit.value}/`);
    opt.hidden = outside;
    opt.disabled = outside;
  }
  const chosen = owner.selectedOptions[0];
  if (chosen && chosen.disabled) {
    owner.value = "";
    owner.dispatchEvent(new Event("change", { bubbles: true }));
  }
}
function narrowAllOwners() {
  for (const form of document.querySelectorAll("form")) if (form.querySelector("option[data-path]")) narrowOwners(form);
}
document.addEventListener("change", (e) => {
  if (e.target instanceof HTMLSelectElement && e.target.name === "unitId" && e.target.form) narrowOwners(e.target.form);
});
document.addEventListener("htmx:after:settle", narrowAllOwners);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", narrowAllOwners);
else narrowAllOwners();
// Messages are announced in the layout's one live region (#live); a message is whatever the server
// marked data-message in what it sent (a fragment's flash, an error, 已保存, a list's count).
function announce(text) {
  const live = document.getElementById("live");
  if (!live || !text) return;
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 60);
}

// After an htmx swap, focus that fell to <body> (the button that had it was swapped away) moves to
// what changed: the element the server marked data-focus, else the message, else the new region.
// Focus still on the page (a filter, a field being autosaved) stays where it is.
document.addEventListener("htmx:after:settle", (evt) => {
  const added = [...((evt.detail && evt.detail.newContent) || [])].filter((n) => n instanceof Element);
  const find = (selector) => {
    for (const el of added) {
      const hit = el.matches(selector) ? el : el.querySelector(selector);
      if (hit) return hit;
    }
    return null;
  };
  const message = find("[data-message]");
  if (message) announce(message.textContent.replace(/\s+/g, " ").trim());
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const target = find("[data-focus]") || message || added[0];
  if (!target) return;
  if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
});
