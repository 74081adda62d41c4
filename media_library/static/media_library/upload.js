// Uploading files into the library: each goes up in its own request so its progress can show (XHR upload
// progress events). ``MediaLibraryUpload.send`` is shared by the library page (below) and the post form's
// picker (picker.js); the library page sends two at a time and shows a thumbnail when each is in.
"use strict";
window.MediaLibraryUpload = {
  // Send one file to the library's upload endpoint. ``onProgress(percent)``, then ``onDone(asset)`` with
  // the asset's summary, or ``onError(message)`` with one line naming what went wrong.
  send(file, { url, csrf, onProgress, onDone, onError }) {
    const form = new FormData();
    form.append("files", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.floor((event.loaded / event.total) * 100));
    });
    xhr.addEventListener("load", () => {
      let answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (error) { answer = null; }
      if (!answer) return onError("Upload failed (" + xhr.status + ").");
      if (answer.errors && answer.errors.length) return onError(answer.errors[0].error);
      onDone(answer.assets[0]);
    });
    xhr.addEventListener("error", () => onError("Upload failed: the connection broke off."));
    xhr.send(form);
  },
};

(function () {
  const section = document.getElementById("media-upload");
  if (!section) return;
  const zone = document.getElementById("media-dropzone");
  const input = document.getElementById("media-file-input");
  const list = document.getElementById("media-upload-list");
  const done = document.getElementById("media-upload-done");
  const url = section.dataset.uploadUrl;
  const csrf = section.querySelector("input[name=csrfmiddlewaretoken]").value;
  const PARALLEL = 2;
  const queue = [];
  let running = 0;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function add(files) {
    for (const file of files) {
      const item = element("li", "media-upload-item");
      item.dataset.name = file.name;
      const name = element("span", "media-upload-name", file.name);
      const bar = element("progress", "media-upload-progress");
      bar.max = 100;
      bar.value = 0;
      const status = element("span", "media-upload-status", "waiting");
      item.append(name, bar, status);
      list.append(item);
      queue.push({ file, item, bar, status });
    }
    next();
  }

  function next() {
    while (running < PARALLEL && queue.length) {
      running += 1;
      send(queue.shift());
    }
    if (!running && !queue.length && list.children.length) done.hidden = false;
  }

  function finish(job, state, text) {
    job.item.classList.add(state);
    if (text !== null) job.status.textContent = text;
    running -= 1;
    next();
  }

  function send(job) {
    job.status.textContent = "0%";
    window.MediaLibraryUpload.send(job.file, {
      url,
      csrf,
      onProgress(percent) {
        job.bar.value = percent;
        job.status.textContent = percent < 100 ? percent + "%" : "checking…";
      },
      onError(message) { finish(job, "failed", message); },
      onDone(asset) {
        job.bar.value = 100;
        if (asset.thumbnail_url) {
          const thumb = element("img", "media-thumb");
          thumb.src = asset.thumbnail_url;
          thumb.alt = "";
          job.item.prepend(thumb);
        }
        const link = element("a", "", asset.existing ? "already in the library" : "added");
        link.href = asset.change_url;
        job.status.textContent = "";
        job.status.append(link);
        const refusals = Object.entries(asset.platforms).filter(([, problems]) => problems.length);
        if (refusals.length) {
          const notes = element("ul", "media-upload-problems");
          for (const [, problems] of refusals) notes.append(element("li", "", problems[0]));
          job.item.append(notes);
        }
        finish(job, "uploaded", null);
      },
    });
  }

  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("dragging")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
  done.querySelector("a").href = window.location.pathname;
})();
