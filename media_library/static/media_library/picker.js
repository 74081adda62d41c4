// The post form's media picker (media_library/forms.py, LibraryMediaWidget): the assets a post uses, each
// with a thumbnail, its own alt text and what the post's chosen accounts would refuse of it. Assets come
// from the library (a dialog with a search, shared by every picker on the page) or are uploaded by choosing
// or dropping files (upload.js). Where a refusal has a mechanical fix, a button makes the rendition and
// swaps it in for this post, saying so: never silently. The hidden input holds
// [{"asset": id, "alt_text": "..."}]; the server checks everything again when the post is saved.
"use strict";
// Form media load in the page's head: start once the form is there.
function startMediaPickers() {
  const roots = document.querySelectorAll("[data-media-picker]");
  if (!roots.length) return;
  const form = roots[0].closest("form");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const JSON_HEADERS = { Accept: "application/json" };

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(className, text, onClick) {
    const node = element("button", className, text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: JSON_HEADERS, credentials: "same-origin" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function checkedAccounts() {
    return [...form.querySelectorAll("input[name=social_accounts]:checked")].map((input) => input.value);
  }

  // --- The library, in a dialog shared by every picker ------------------------------------------------
  const library = (function () {
    const dialog = element("dialog", "media-picker-dialog");
    dialog.setAttribute("aria-label", "Media library");
    const search = element("input", "media-picker-search");
    search.type = "search";
    search.placeholder = "Search by name or alt text";
    const done = button("button default media-picker-close", "Done", () => dialog.close());
    const head = element("div", "media-picker-dialog-head");
    head.append(search, done);
    const grid = element("ul", "media-picker-grid");
    const empty = element("p", "media-picker-empty", "Nothing in the library matches.");
    empty.hidden = true;
    const more = button("button media-picker-more", "More", () => load(false));
    more.hidden = true;
    dialog.append(head, grid, empty, more);
    document.body.append(dialog);
    let picker = null;
    let nextPage = 1;
    let listUrl = "";
    let timer = null;

    async function load(fresh) {
      if (fresh) { grid.replaceChildren(); nextPage = 1; }
      const params = new URLSearchParams({ q: search.value, page: nextPage });
      const answer = await getJson(listUrl + "?" + params);
      for (const card of answer.assets) grid.append(choice(card));
      nextPage = answer.next_page;
      more.hidden = !nextPage;
      empty.hidden = grid.children.length > 0;
    }

    function choice(card) {
      const item = element("li");
      const pick = button("media-picker-choice", "", () => {
        picker.add(card);
        pick.setAttribute("aria-pressed", "true");
      });
      pick.dataset.assetId = card.id;
      pick.setAttribute("aria-pressed", String(picker.has(card.id)));
      if (card.thumbnail_url) {
        const thumb = element("img", "media-thumb");
        thumb.src = card.thumbnail_url;
        thumb.alt = "";
        pick.append(thumb);
      }
      pick.append(element("span", "media-picker-name", card.original_name), element("span", "media-picker-facts", card.facts));
      item.append(pick);
      return item;
    }

    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => load(true), 250);
    });
    dialog.addEventListener("close", () => { picker = null; });
    return {
      open(forPicker) {
        picker = forPicker;
        listUrl = forPicker.root.dataset.pickerUrl;
        dialog.showModal();
        search.focus();
        load(true);
      },
    };
  })();

  // --- One picker: the post's media, or one platform's own ----------------------------------------------
  class Picker {
    constructor(root) {
      this.root = root;
      this.input = root.querySelector("input[type=hidden]");
      this.list = root.querySelector(".media-picker-items");
      this.platform = root.dataset.platform;
      this.uploads = [];
      this.checkToken = 0;
      const initial = JSON.parse(document.getElementById(root.dataset.initialId).textContent);
      this.uses = initial.map((use) => ({ asset: use.asset, alt_text: use.alt_text, card: use.card, check: null, notice: "" }));
      root.querySelector(".media-picker-open").addEventListener("click", () => library.open(this));
      const files = root.querySelector(".media-picker-files");
      files.addEventListener("change", () => { this.upload(files.files); files.value = ""; });
      ["dragenter", "dragover"].forEach((type) => root.addEventListener(type, (event) => {
        event.preventDefault();
        root.classList.add("dragging");
      }));
      ["dragleave", "drop"].forEach((type) => root.addEventListener(type, () => root.classList.remove("dragging")));
      root.addEventListener("drop", (event) => {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) this.upload(event.dataTransfer.files);
      });
      this.render();
      this.check();
    }

    has(assetId) { return this.uses.some((use) => use.asset === assetId); }

    add(card) {
      if (this.has(card.id)) return;
      this.uses.push({ asset: card.id, alt_text: "", card, check: null, notice: "" });
      this.changed();
    }

    changed() {
      this.sync();
      this.render();
      this.check();
    }

    sync() {
      this.input.value = JSON.stringify(this.uses.map((use) => ({ asset: use.asset, alt_text: use.alt_text })));
    }

    async check() {
      const ids = this.uses.filter((use) => use.card).map((use) => use.asset);
      const token = ++this.checkToken;
      if (!ids.length) return;
      const params = new URLSearchParams({ assets: ids.join(","), accounts: checkedAccounts().join(",") });
      if (this.platform) params.set("platform", this.platform);
      let answer;
      try {
        answer = await getJson(this.root.dataset.checkUrl + "?" + params);
      } catch (error) {
        return; // the server checks again when the post is saved
      }
      if (token !== this.checkToken) return; // a newer check is on its way
      for (const use of this.uses) use.check = answer.assets[String(use.asset)] || null;
      this.render();
    }

    render() {
      this.list.replaceChildren(...this.uses.map((use) => this.item(use)), ...this.uploads.map((job) => job.item));
      this.root.classList.toggle("has-media", this.uses.length > 0);
    }

    item(use) {
      const item = element("li", "media-picker-item");
      item.dataset.assetId = use.asset;
      const remove = button("button media-picker-remove", "Remove", () => {
        this.uses = this.uses.filter((other) => other !== use);
        this.changed();
      });
      if (!use.card) {
        item.classList.add("missing");
        item.append(element("span", "media-picker-name", "Media asset " + use.asset + " is no longer in the library."), remove);
        return item;
      }
      if (use.card.thumbnail_url) {
        const thumb = element("img", "media-thumb");
        thumb.src = use.card.thumbnail_url;
        thumb.alt = "";
        item.append(thumb);
      }
      const info = element("div", "media-picker-info");
      const name = element("a", "media-picker-name", use.card.original_name);
      name.href = use.card.change_url;
      name.target = "_blank";
      info.append(name, element("span", "media-picker-facts", use.card.facts));
      if (use.card.rendition_of) info.append(element("span", "media-picker-facts", "rendition of " + use.card.rendition_of));
      const alt = element("input", "media-picker-alt vTextField");
      alt.value = use.alt_text;
      alt.maxLength = 1500;
      alt.placeholder = use.card.alt_text ? "Alt text (the asset's: " + use.card.alt_text + ")" : "Alt text for this post";
      alt.setAttribute("aria-label", "Alt text of " + use.card.original_name);
      alt.addEventListener("input", () => { use.alt_text = alt.value; this.sync(); });
      info.append(alt);
      if (use.notice) info.append(element("p", "media-picker-notice", use.notice));
      if (use.check && use.check.problems.length) {
        const problems = element("ul", "media-picker-problems");
        for (const problem of use.check.problems) problems.append(element("li", "", problem));
        info.append(problems);
        if (use.check.fix) {
          const offer = button("button media-picker-rendition", "Use its " + use.check.fix_name + " rendition", () => this.acceptRendition(use, offer));
          offer.title = use.check.fix_description;
          info.append(offer);
        }
      } else if (use.check && checkedAccounts().length) {
        info.append(element("p", "media-picker-ok", "Fits every chosen account."));
      }
      item.append(info, remove);
      return item;
    }

    async acceptRendition(use, offer) {
      offer.disabled = true;
      offer.textContent = "Making the rendition…";
      const body = new FormData();
      body.append("recipe", use.check.fix);
      let answer = null;
      try {
        const response = await fetch(use.card.rendition_url, {
          method: "POST",
          headers: { ...JSON_HEADERS, "X-CSRFToken": csrf },
          body,
          credentials: "same-origin",
        });
        answer = await response.json();
      } catch (error) {
        answer = { error: "The rendition could not be made: the connection broke off." };
      }
      if (answer.error) {
        use.notice = answer.error;
        this.render();
        return;
      }
      const original = use.card.original_name;
      const description = use.check.fix_description;
      use.asset = answer.asset.id;
      use.card = answer.asset;
      use.check = null;
      use.notice = "Swapped “" + original + "” for its rendition “" + answer.asset.original_name + "” (" + description + ") in this post. The original stays in the library.";
      this.changed();
    }

    upload(files) {
      for (const file of files) {
        const item = element("li", "media-picker-item uploading");
        item.dataset.name = file.name;
        const bar = element("progress", "media-upload-progress");
        bar.max = 100;
        bar.value = 0;
        const status = element("span", "media-upload-status", "0%");
        item.append(element("span", "media-picker-name", file.name), bar, status);
        const job = { item };
        this.uploads.push(job);
        this.render();
        window.MediaLibraryUpload.send(file, {
          url: this.root.dataset.uploadUrl,
          csrf,
          onProgress(percent) {
            bar.value = percent;
            status.textContent = percent < 100 ? percent + "%" : "checking…";
          },
          onDone: (asset) => {
            this.uploads = this.uploads.filter((other) => other !== job);
            this.add(asset);
          },
          onError: (message) => {
            item.classList.add("failed");
            status.textContent = message;
            item.append(button("button media-picker-remove", "Dismiss", () => {
              this.uploads = this.uploads.filter((other) => other !== job);
              this.render();
            }));
          },
        });
      }
    }
  }

  const pickers = [...roots].map((root) => new Picker(root));
  let timer = null;
  form.addEventListener("change", (event) => {
    if (event.target.name !== "social_accounts") return;
    clearTimeout(timer);
    timer = setTimeout(() => pickers.forEach((picker) => picker.check()), 150);
  });
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startMediaPickers);
else startMediaPickers();
