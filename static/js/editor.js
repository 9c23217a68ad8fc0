// The meme editor: a canvas live preview of the text boxes, drawn with the server's font, wrapping,
// shrinking and outline (a port of ml/render.py's layout_lines: keep the two in step), boxes moved
// and resized by dragging (mouse, pen and touch through Pointer Events), added, removed and styled.
// Save posts the layout as JSON; the server draws the authoritative image. Vanilla JS, no CDN.
"use strict";

(function () {
  const FONT = "MemeFont"; // @font-face in app.css: ml/fonts/BebasNeue-Bold.otf, served as static

  // --- the renderer (ml/render.py, line by line) -----------------------------------------------

  function px(value) { return Math.floor(value + 0.5); } // Python's _px: half up

  function strokeWidth(size, outlineWidth) {
    return outlineWidth <= 0 ? 0 : Math.max(1, px((size * outlineWidth) / 100));
  }

  function displayText(box) {
    const text = String(box.text || "").split(/\s+/).filter(Boolean).join(" ");
    if (box.case === "upper") return text.toUpperCase();
    if (box.case === "lower") return text.toLowerCase();
    return text;
  }

  function makeMeasure(ctx) {
    return function measure(text, size) {
      ctx.font = `${size}px ${FONT}`;
      return ctx.measureText(text).width;
    };
  }

  function splitLongWord(word, size, stroke, width, measure) {
    const pieces = [];
    let current = "";
    for (const ch of word) {
      if (current && measure(current + ch, size) + 2 * stroke > width) {
        pieces.push(current);
        current = ch;
      } else {
        current += ch;
      }
    }
    if (current) pieces.push(current);
    return pieces;
  }

  function wrap(text, size, stroke, width, measure) {
    const lines = [];
    let current = "";
    for (const word of text.split(" ").filter(Boolean)) {
      const candidate = current ? `${current} ${word}` : word;
      if (measure(candidate, size) + 2 * stroke <= width) { current = candidate; continue; }
      if (current) lines.push(current);
      if (measure(word, size) + 2 * stroke <= width) {
        current = word;
      } else {
        const pieces = splitLongWord(word, size, stroke, width, measure);
        current = pieces.pop() || "";
        lines.push(...pieces);
      }
    }
    if (current) lines.push(current);
    return lines;
  }

  function trySize(text, size, width, height, outlineWidth, metrics, measure) {
    const stroke = strokeWidth(size, outlineWidth);
    const lines = wrap(text, size, stroke, width, measure);
    // FreeType rounds the ascender and descender up: so does this.
    const ascent = Math.ceil(metrics.ascent * size - 1e-9);
    const descent = Math.ceil(metrics.descent * size - 1e-9);
    const lineHeight = ascent + descent + 2 * stroke;
    const gap = px(size * metrics.line_gap);
    const total = lines.length * lineHeight + Math.max(0, lines.length - 1) * gap;
    const widest = Math.max(0, ...lines.map((line) => measure(line, size) + 2 * stroke));
    if (total > height || widest > width) return null;
    return { lines, size, stroke, ascent, lineHeight, gap, height: total };
  }

  function fit(text, width, height, maxSize, outlineWidth, metrics, measure) {
    let lo = 1, hi = Math.max(1, maxSize), best = null;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const found = trySize(text, mid, width, height, outlineWidth, metrics, measure);
      if (found) { best = found; lo = mid + 1; } else { hi = mid - 1; }
    }
    return best;
  }

  function fitOrTruncate(text, width, height, maxSize, outlineWidth, metrics, measure) {
    let words = text.split(" ").filter(Boolean);
    while (words.length) {
      const found = fit(words.join(" "), width, height, maxSize, outlineWidth, metrics, measure);
      if (found) return found;
      words = words.slice(0, -1);
      if (words.length) words[words.length - 1] = words[words.length - 1].replace(/[.,;:!?]+$/, "") + "…";
    }
    return null;
  }

  function boxPixels(w, h, box) {
    return [px(box.x * w), px(box.y * h), px(box.width * w), px(box.height * h)];
  }

  /** Every line to draw: {text, left, top, right, size, stroke, ascent, box}. */
  function layoutLines(w, h, boxes, metrics, measure) {
    const placed = [];
    for (const box of boxes) {
      const text = displayText(box);
      const [left, top, boxWidth, boxHeight] = boxPixels(w, h, box);
      if (!text || boxWidth <= 0 || boxHeight <= 0) continue;
      const maxSize = Math.max(1, px(Math.min(w, h) * metrics.base_size * box.size / 100));
      const found = fitOrTruncate(text, boxWidth, boxHeight, maxSize, box.outline_width, metrics, measure);
      if (!found) continue;
      let y = top;
      if (box.valign === "middle") y += Math.floor((boxHeight - found.height) / 2);
      else if (box.valign === "bottom") y += boxHeight - found.height;
      for (const line of found.lines) {
        const lineWidth = Math.round(measure(line, found.size)) + 2 * found.stroke;
        let x = left + Math.floor((boxWidth - lineWidth) / 2);
        if (box.align === "left") x = left;
        else if (box.align === "right") x = left + boxWidth - lineWidth;
        placed.push({ text: line, left: x, top: y, right: x + lineWidth, size: found.size,
          stroke: found.stroke, ascent: found.ascent, box });
        y += found.lineHeight + found.gap;
      }
    }
    return placed;
  }

  function drawMeme(ctx, photo, boxes, metrics) {
    const { width, height } = ctx.canvas;
    ctx.clearRect(0, 0, width, height);
    if (photo) ctx.drawImage(photo, 0, 0, width, height); // null: text only, over a playing animation
    const lines = layoutLines(width, height, boxes, metrics, makeMeasure(ctx));
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.lineJoin = "round"; // FreeType's stroker, as Pillow uses it, rounds the corners too
    for (const line of lines) {
      ctx.font = `${line.size}px ${FONT}`;
      const x = (line.left + line.right) / 2;
      const y = line.top + line.stroke + line.ascent; // Pillow's anchor "ma": ascender at top + stroke
      if (line.stroke > 0) {
        ctx.lineWidth = 2 * line.stroke;
        ctx.strokeStyle = line.box.outline_color;
        ctx.strokeText(line.text, x, y);
      }
      ctx.fillStyle = line.box.color;
      ctx.fillText(line.text, x, y);
    }
  }

  // --- the editor ------------------------------------------------------------------------------

  function clamp(value, lo, hi) { return Math.min(hi, Math.max(lo, value)); }
  function round4(value) { return Math.round(value * 10000) / 10000; }

  function startEditor(root) {
    const config = JSON.parse(document.getElementById("editor-config").textContent);
    const limits = config.limits;
    let boxes = JSON.parse(document.getElementById("meme-layout").textContent);
    let selected = 0;
    const canvas = root.querySelector("#editor-canvas");
    const stage = root.querySelector(".editor-stage");
    const ctx = canvas.getContext("2d");
    const form = document.getElementById("edit-form");
    const list = document.getElementById("box-list");
    const template = document.getElementById("box-template");
    const addButton = document.getElementById("add-box");
    const hidden = document.getElementById("id_boxes");
    const photo = new Image();
    let pending = false;

    function redraw() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        drawMeme(ctx, stage.classList.contains("animated") ? null : photo, boxes, config.metrics);
        placeHandles();
        root.dataset.drawn = String(Number(root.dataset.drawn || 0) + 1); // tests wait on this
      });
    }

    // Handles: one absolutely placed element per box over the canvas, for dragging and selecting.
    function placeHandles() {
      const handles = stage.querySelectorAll(".box-handle");
      handles.forEach((handle, index) => {
        const box = boxes[index];
        Object.assign(handle.style, {
          left: `${box.x * 100}%`, top: `${box.y * 100}%`,
          width: `${box.width * 100}%`, height: `${box.height * 100}%`,
        });
        handle.classList.toggle("selected", index === selected);
        handle.setAttribute("aria-label", `Text box ${index + 1}: ${box.text || "empty"}`);
      });
    }

    function select(index) {
      selected = index;
      list.querySelectorAll(".box-editor").forEach((el, i) => el.classList.toggle("selected", i === index));
      placeHandles();
    }

    function dragHandle(handle, index, mode) {
      // mode "move" drags the box, "resize" drags its bottom-right corner.
      return (event) => {
        if (event.button !== undefined && event.button > 0) return;
        event.preventDefault();
        event.stopPropagation();
        select(index);
        const rect = stage.getBoundingClientRect();
        const start = { x: event.clientX, y: event.clientY, box: { ...boxes[index] } };
        handle.setPointerCapture(event.pointerId);
        handle.classList.add("dragging");
        const move = (e) => {
          const dx = (e.clientX - start.x) / rect.width;
          const dy = (e.clientY - start.y) / rect.height;
          const box = boxes[index];
          if (mode === "move") {
            box.x = round4(clamp(start.box.x + dx, 0, 1 - box.width));
            box.y = round4(clamp(start.box.y + dy, 0, 1 - box.height));
          } else {
            box.width = round4(clamp(start.box.width + dx, limits.box_min_side, 1 - box.x));
            box.height = round4(clamp(start.box.height + dy, limits.box_min_side, 1 - box.y));
          }
          redraw();
        };
        const end = (e) => {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", end);
          handle.removeEventListener("pointercancel", end);
          if (handle.hasPointerCapture(e.pointerId)) handle.releasePointerCapture(e.pointerId);
          handle.classList.remove("dragging");
        };
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", end);
        handle.addEventListener("pointercancel", end);
      };
    }

    function bindField(el, index, key, parse) {
      el.value = boxes[index][key];
      const update = () => { boxes[index][key] = parse ? parse(el.value) : el.value; redraw(); };
      el.addEventListener("input", update);
      el.addEventListener("change", update);
      el.addEventListener("focus", () => select(index));
    }

    function rebuild() {
      list.replaceChildren();
      stage.querySelectorAll(".box-handle").forEach((el) => el.remove());
      boxes.forEach((box, index) => {
        const item = template.content.firstElementChild.cloneNode(true);
        item.dataset.index = String(index);
        item.querySelector(".box-title").textContent = `Text ${index + 1}`;
        item.querySelectorAll("[data-field]").forEach((el) => {
          const key = el.dataset.field;
          el.id = `box-${index}-${key}`;
          const label = item.querySelector(`label[data-for="${key}"]`);
          if (label) label.htmlFor = el.id;
          const numeric = el.type === "range" || el.type === "number";
          bindField(el, index, key, numeric ? Number : null);
          if (key === "size") {
            const out = item.querySelector(".size-out");
            const show = () => { out.textContent = `${el.value}%`; };
            show();
            el.addEventListener("input", show);
          }
        });
        item.querySelector(".remove-box").addEventListener("click", () => {
          boxes.splice(index, 1);
          selected = clamp(selected, 0, boxes.length - 1);
          rebuild();
        });
        list.appendChild(item);

        const handle = document.createElement("div");
        handle.className = "box-handle";
        handle.dataset.index = String(index);
        handle.tabIndex = 0;
        const grip = document.createElement("span");
        grip.className = "box-resize";
        grip.title = "Drag to resize";
        handle.appendChild(grip);
        handle.addEventListener("pointerdown", dragHandle(handle, index, "move"));
        grip.addEventListener("pointerdown", dragHandle(handle, index, "resize"));
        handle.addEventListener("keydown", (event) => nudge(event, index));
        stage.appendChild(handle);
      });
      addButton.disabled = boxes.length >= limits.max_boxes;
      addButton.textContent = boxes.length >= limits.max_boxes
        ? `At most ${limits.max_boxes} text boxes` : "+ Add a text box";
      select(clamp(selected, 0, boxes.length - 1));
      redraw();
    }

    function nudge(event, index) {
      // Arrow keys move the focused box: the editor works without a pointer too.
      const step = event.shiftKey ? 0.05 : 0.01;
      const deltas = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const delta = deltas[event.key];
      if (!delta) return;
      event.preventDefault();
      const box = boxes[index];
      box.x = round4(clamp(box.x + delta[0], 0, 1 - box.width));
      box.y = round4(clamp(box.y + delta[1], 0, 1 - box.height));
      select(index);
      redraw();
    }

    addButton.addEventListener("click", () => {
      if (boxes.length >= limits.max_boxes) return;
      const style = boxes[selected] || config.new_box;
      // The first free place off the faces (the server ranks them); else stagger in the middle.
      const overlaps = (a, b) => a[0] < b.x + b.width && b.x < a[0] + a[2] && a[1] < b.y + b.height && b.y < a[1] + a[3];
      const slot = (config.new_box_slots || []).find((rect) => !boxes.some((box) => overlaps(rect, box)));
      const offset = (boxes.length % 4) * 0.05; // a new box never hides exactly behind the last one
      const place = slot
        ? { x: slot[0], y: slot[1], width: slot[2], height: slot[3] }
        : { y: round4(config.new_box.y + offset) };
      boxes.push({
        ...config.new_box, ...place,
        color: style.color, outline_color: style.outline_color, outline_width: style.outline_width,
        case: style.case,
      });
      selected = boxes.length - 1;
      rebuild();
      const input = document.getElementById(`box-${selected}-text`);
      if (input) input.focus();
    });

    form.addEventListener("submit", () => {
      hidden.value = JSON.stringify(boxes);
      const button = document.getElementById("save-edit");
      button.disabled = true;
      button.textContent = "Rendering…";
    });

    photo.addEventListener("load", async () => {
      canvas.width = photo.naturalWidth;
      canvas.height = photo.naturalHeight;
      try { await document.fonts.load(`64px ${FONT}`); } catch (err) { /* draw with what we have */ }
      await document.fonts.ready;
      root.classList.add("editing");
      // The boxes replace the no-JavaScript top/bottom fields (their values would only disagree).
      const legacy = document.getElementById("legacy-fields");
      if (legacy) legacy.remove();
      document.getElementById("box-editor").hidden = false;
      rebuild();
      root.dataset.ready = "1";
    });
    photo.src = config.photo_url;
  }

  window.memeEditor = { layoutLines, drawMeme, displayText, makeMeasure }; // for tests and the console

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.getElementById("editor");
    if (root) startEditor(root);
  });
})();
