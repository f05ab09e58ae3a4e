// "Prove it" on the console's event page: recomputes the Merkle root from the
// leaf bytes and the inclusion proof shown on the page, with Web Crypto
// SHA-256, and compares it with the root of the signed checkpoint shown there.
// RFC 6962 hashes (leaf SHA-256(0x00 || leaf), node SHA-256(0x01 || l || r)),
// RFC 9162 §2.1.3.2 verification. Reads and writes text only, never markup.
(function () {
  'use strict';

  var panel = document.getElementById('proof');
  if (!panel) return;
  var state = document.getElementById('proof-state');
  var recomputed = document.getElementById('recomputed-root');

  function show(ok, rootHex) {
    recomputed.textContent = rootHex || '—';
    state.textContent = panel.getAttribute(ok ? 'data-verified' : 'data-failed');
    state.className = 'console-state ' + (ok ? 'console-state-ok' : 'console-state-failed');
    panel.setAttribute('data-result', ok ? 'verified' : 'failed');
  }

  function text(id) {
    var element = document.getElementById(id);
    return element ? element.textContent.trim() : '';
  }

  function fromHex(hex) {
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw new Error('not hex');
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    return bytes;
  }

  function toHex(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  function fromBase64(b64) {
    var binary = atob(b64.replace(/\s+/g, ''));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function sha256(prefix, parts) {
    var length = 1;
    parts.forEach(function (p) {
      length += p.length;
    });
    var input = new Uint8Array(length);
    input[0] = prefix;
    var offset = 1;
    parts.forEach(function (p) {
      input.set(p, offset);
      offset += p.length;
    });
    return crypto.subtle.digest('SHA-256', input).then(function (digest) {
      return new Uint8Array(digest);
    });
  }

  function whole(value) {
    return /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  }

  async function rootFromInclusion(leaf, index, size, proof) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index >= size) return null;
    var fn = index;
    var sn = size - 1;
    var r = await sha256(0x00, [leaf]);
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (p.length !== 32 || sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(0x01, [p, r]);
        while (fn % 2 === 0 && fn !== 0) {
          fn = fn / 2;
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await sha256(0x01, [r, p]);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  async function verify() {
    state.textContent = panel.getAttribute('data-verifying');
    var signedRoot = text('signed-root');
    var index = whole(panel.getAttribute('data-index') || '');
    var size = whole(panel.getAttribute('data-size') || '');
    var leaf = fromBase64(text('proof-leaf'));
    var hashes = Array.prototype.map.call(document.querySelectorAll('#proof-hashes code'), function (code) {
      return fromHex(code.textContent.trim());
    });
    var root = await rootFromInclusion(leaf, index, size, hashes);
    var rootHex = root ? toHex(root) : '';
    show(root !== null && rootHex === signedRoot, rootHex);
  }

  verify().catch(function () {
    show(false, '');
  });
})();
