// The calendar: drag a post to another day, or use its "Move…" form (the keyboard's way, and the way without
// this script). Both POST to the post's move address with the CSRF token; the server moves it through the
// same services as an edit (or says why not), and the answer moves the post on the page.
(function () {
  "use strict";

  function messageList() {
    var list = document.querySelector("ul.messagelist");
    if (!list) {
      list = document.createElement("ul");
      list.className = "messagelist";
      var content = document.getElementById("content") || document.body;
      content.parentNode.insertBefore(list, content);
    }
    return list;
  }

  function say(text, level) {
    var item = document.createElement("li");
    item.className = level;
    item.setAttribute("role", level === "error" ? "alert" : "status");
    item.textContent = text;
    messageList().appendChild(item);
  }

  function csrfToken(item) {
    var field = item.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function place(item, answer) {
    var cell = document.querySelector('td.calendar-day[data-date="' + answer.date + '"]');
    var time = item.querySelector(".calendar-time");
    if (time) {
      time.textContent = answer.time;
    }
    var dayInput = item.querySelector("input[name=date]");
    if (dayInput) {
      dayInput.value = answer.date;
    }
    var details = item.querySelector("details");
    if (details) {
      details.open = false;
    }
    if (!cell) {
      item.remove(); // moved out of the period shown
      return;
    }
    var later = Array.prototype.find.call(cell.querySelectorAll(".calendar-item, .calendar-free-slot"), function (other) {
      var otherTime = other.querySelector(".calendar-time");
      var shown = otherTime ? otherTime.textContent : other.textContent.slice(0, 5);
      return other !== item && shown > answer.time;
    });
    cell.insertBefore(item, later || null);
  }

  function move(item, day) {
    var body = new URLSearchParams();
    body.set("date", day);
    item.classList.add("moving");
    return fetch(item.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(item) },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            place(item, answer);
            say(answer.message, "success");
          } else {
            say(answer.detail || "The post was not moved.", "error");
          }
        });
      })
      .catch(function () {
        say("The post was not moved: the server could not be reached. Try again.", "error");
      })
      .finally(function () {
        item.classList.remove("moving");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var dragged = null;

    document.querySelectorAll(".calendar-item.movable").forEach(function (item) {
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.post);
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        dragged = null;
        document.querySelectorAll(".drop-target").forEach(function (cell) {
          cell.classList.remove("drop-target");
        });
      });
      var form = item.querySelector(".calendar-move form");
      if (form) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          move(item, form.elements.namedItem("date").value);
        });
      }
    });

    document.querySelectorAll("td.calendar-day").forEach(function (cell) {
      cell.addEventListener("dragover", function (event) {
        if (dragged) {
          event.preventDefault();
          event.dataTransfer.dropEffect = "move";
          cell.classList.add("drop-target");
        }
      });
      cell.addEventListener("dragleave", function (event) {
        if (!cell.contains(event.relatedTarget)) {
          cell.classList.remove("drop-target");
        }
      });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("drop-target");
        var item = dragged;
        if (!item || item.closest("td.calendar-day") === cell) {
          return;
        }
        move(item, cell.dataset.date);
      });
    });
  });
})();
