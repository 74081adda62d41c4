// The post form's composer: as the author types, asks the server (the same client code that validates the
// post on save) for each chosen platform's count, limit, problems and preview, and shows them. Requests are
// debounced, one at a time, and an answer to an older state of the form is dropped. Without this script the
// form still works: the server checks everything when the post is saved.
(function () {
  "use strict";

  var DEBOUNCE_MS = 350;
  var MEDIA_ROWS = 4;

  function ready(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback);
    } else {
      callback();
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function valueOf(form, name) {
    var field = form.elements.namedItem(name);
    return field && typeof field.value === "string" ? field.value : "";
  }

  function isWebAddress(value) {
    return /^https?:\/\/\S+$/i.test(value.trim());
  }

  // The assets a media picker holds (media_library/static/media_library/picker.js keeps them in its hidden
  // input as [{"asset": id, "alt_text": "..."}]).
  function pickedMedia(picker) {
    var uses;
    try {
      uses = JSON.parse(picker.querySelector("input[type=hidden]").value || "[]");
    } catch (error) {
      return [];
    }
    return (Array.isArray(uses) ? uses : []).map(function (use) {
      return { asset: use.asset, alt_text: use.alt_text || "" };
    });
  }

  // The form's parts, as the endpoint reads them (calendar_app/admin/composer.py).
  function formParts(form, composer, optionFields) {
    var accountIds = Array.prototype.filter
      .call(form.querySelectorAll("input[name=social_accounts]"), function (box) {
        return box.checked;
      })
      .map(function (box) {
        return Number(box.value);
      });
    // The library's media first, then the addresses, as the form saves them; a platform's own picker
    // holds the media that platform gets instead of the post's.
    var media = [];
    var platformMedia = {};
    form.querySelectorAll("[data-media-picker]").forEach(function (picker) {
      var picked = pickedMedia(picker);
      if (!picker.dataset.platform) {
        media = media.concat(picked);
      } else if (picked.length) {
        platformMedia[picker.dataset.platform] = picked;
      }
    });
    for (var index = 1; index <= MEDIA_ROWS; index += 1) {
      var url = valueOf(form, "media_" + index + "_url").trim();
      if (isWebAddress(url)) {
        media.push({
          url: url,
          type: valueOf(form, "media_" + index + "_type") || "image",
          alt_text: valueOf(form, "media_" + index + "_alt_text"),
        });
      }
    }
    var platformOptions = {};
    optionFields.forEach(function (option) {
      var value = valueOf(form, option.name);
      if (value) {
        platformOptions[option.platform] = platformOptions[option.platform] || {};
        platformOptions[option.platform][option.key] = value;
      }
    });
    Object.keys(platformMedia).forEach(function (platform) {
      platformOptions[platform] = platformOptions[platform] || {};
      platformOptions[platform].media = platformMedia[platform];
    });
    var metadata = {};
    var advanced = valueOf(form, "advanced_metadata").trim();
    if (advanced) {
      try {
        var parsed = JSON.parse(advanced);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          metadata = parsed;
        }
      } catch (error) {
        // Being typed: counted once it is JSON; the save names what is wrong with it.
      }
    }
    var postId = composer.dataset.postId;
    return {
      content: valueOf(form, "content"),
      account_ids: accountIds,
      media: media,
      platform_options: platformOptions,
      metadata: metadata,
      queue: Boolean(document.getElementById("queue-slot-hint")),
      post_id: postId ? Number(postId) : null,
      timezone: valueOf(form, "timezone"),
    };
  }

  function counterLabel(platform) {
    return platform.limit === null ? String(platform.count) : platform.count + " / " + platform.limit;
  }

  function previewText(segments) {
    var text = element("p", "composer-text");
    segments.forEach(function (segment) {
      if (!segment.link) {
        text.appendChild(document.createTextNode(segment.text));
        return;
      }
      var link = element("span", "composer-link", segment.text);
      if (segment.weight !== null) {
        var weight = element("span", "composer-link-weight", String(segment.weight));
        weight.title = "This link counts as " + segment.weight + " characters, whatever its length.";
        link.appendChild(weight);
      }
      text.appendChild(link);
    });
    if (!segments.length) {
      text.appendChild(element("span", "composer-empty", "(no text)"));
    }
    return text;
  }

  function previewMedia(media) {
    var list = element("ul", "composer-media");
    media.forEach(function (item, index) {
      var entry = element("li", "composer-media-item composer-media-" + item.type);
      if (item.url && item.type !== "video") {
        var image = element("img");
        image.src = item.url;
        image.alt = item.alt_text || "";
        image.loading = "lazy";
        image.referrerPolicy = "no-referrer";
        entry.appendChild(image);
      } else {
        entry.appendChild(element("span", "composer-media-label", item.type + " " + (index + 1)));
      }
      if (!item.alt_text) {
        entry.appendChild(element("span", "composer-media-alt-missing", "no alt text"));
      }
      list.appendChild(entry);
    });
    return list;
  }

  function platformCard(platform) {
    var card = element("article", "composer-platform" + (platform.over ? " over" : ""));
    card.dataset.platform = platform.platform;
    var header = element("header", "composer-platform-header");
    header.appendChild(element("strong", "composer-platform-name", platform.name));
    header.appendChild(element("span", "composer-accounts", platform.accounts.join(", ")));
    var counter = element("span", "composer-counter" + (platform.over ? " over" : ""), counterLabel(platform));
    counter.title =
      platform.count +
      " " +
      platform.unit +
      (platform.limit === null ? "" : "; the limit is " + platform.limit) +
      (platform.over ? ": too long" : "");
    header.appendChild(counter);
    card.appendChild(header);
    if (platform.problems.length) {
      var problems = element("ul", "composer-problems");
      platform.problems.forEach(function (problem) {
        problems.appendChild(element("li", null, problem));
      });
      card.appendChild(problems);
    }
    var preview = element("div", "composer-preview");
    preview.appendChild(previewText(platform.preview.segments));
    if (platform.preview.media.length) {
      preview.appendChild(previewMedia(platform.preview.media));
    }
    platform.preview.notes.forEach(function (note) {
      preview.appendChild(element("p", "composer-note", note));
    });
    card.appendChild(preview);
    return card;
  }

  function show(composer, answer) {
    var list = composer.querySelector(".composer-platforms");
    list.replaceChildren.apply(list, answer.platforms.map(platformCard));
    var status = composer.querySelector(".composer-status");
    var over = answer.platforms.filter(function (platform) {
      return platform.over;
    });
    if (!answer.platforms.length) {
      status.textContent = "Choose accounts to see how the post counts and looks on each platform.";
    } else if (over.length) {
      status.textContent =
        "Too long for " +
        over
          .map(function (platform) {
            return platform.name;
          })
          .join(", ") +
        ".";
    } else {
      status.textContent = "Counted as each platform counts.";
    }
    var hint = document.getElementById("queue-slot-hint");
    if (hint && answer.queue) {
      hint.textContent = answer.queue.slot
        ? "Next free slot: " + answer.queue.slot + " (" + answer.queue.schedule + ")"
        : answer.queue.problem;
      hint.classList.toggle("queue-slot-problem", !answer.queue.slot);
    }
  }

  ready(function () {
    var composer = document.getElementById("composer");
    var form = composer && composer.closest("form");
    var fieldsData = document.getElementById("composer-fields");
    if (!composer || !form || !fieldsData || !window.fetch) {
      return;
    }
    var optionFields = JSON.parse(fieldsData.textContent);
    var accountsRow = form.querySelector(".form-row.field-social_accounts, .field-social_accounts");
    if (accountsRow) {
      accountsRow.insertAdjacentElement("afterend", composer);
    }
    composer.hidden = false;

    var timer = null;
    var inFlight = false;
    var pending = false;
    var sent = "";
    var sequence = 0;

    function send() {
      var body = JSON.stringify(formParts(form, composer, optionFields));
      if (body === sent) {
        return;
      }
      if (inFlight) {
        pending = true;
        return;
      }
      inFlight = true;
      sent = body;
      sequence += 1;
      var mine = sequence;
      composer.classList.add("composer-busy");
      fetch(composer.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": valueOf(form, "csrfmiddlewaretoken"),
        },
        body: body,
      })
        .then(function (response) {
          return response.json().then(function (answer) {
            return { ok: response.ok, answer: answer };
          });
        })
        .then(function (result) {
          if (mine !== sequence) {
            return;
          }
          if (result.ok) {
            show(composer, result.answer);
          } else {
            composer.querySelector(".composer-status").textContent =
              result.answer.detail || "The counter could not read the form; saving checks it.";
          }
        })
        .catch(function () {
          sent = "";
          composer.querySelector(".composer-status").textContent =
            "The counter is not reachable right now; saving still checks every platform.";
        })
        .finally(function () {
          inFlight = false;
          composer.classList.remove("composer-busy");
          if (pending) {
            pending = false;
            schedule();
          }
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, DEBOUNCE_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    // A picker sets its hidden input without an event; it shows every change in its list.
    var pickerChanges = new MutationObserver(schedule);
    form.querySelectorAll("[data-media-picker] .media-picker-items").forEach(function (list) {
      pickerChanges.observe(list, { childList: true });
    });
    send();
  });
})();
