// 整改情况报告 page: copy the regenerated section as plain text, and print.
document.addEventListener("click", (evt) => {
  const copy = evt.target.closest("[data-copy]");
  if (copy) {
    const src = document.getElementById(copy.dataset.copy);
    const status = document.querySelector(".copy-status");
    const done = (ok) => {
      const text = ok ? "已复制到剪贴板" : "复制失败，请手动选择文字复制";
      if (status) status.textContent = text;
      if (typeof announce === "function") announce(text); // app.js: the layout's one live region
    };
    const fallback = () => {
      src.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      done(ok);
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(src.value).then(() => done(true), fallback);
    else fallback();
    return;
  }
  if (evt.target.closest("[data-print]")) window.print();
});
