#!/usr/bin/env node
// Regenerates X's counting data and its conformance table from the official npm package twitter-text 3.1.0.
//
//   node tests/social/platforms/twitter/twitter_text/generate_table.mjs
//
// It installs twitter-text@3.1.0 (and the twemoji-parser it depends on) into a scratch directory outside the
// repository (TWITTER_TEXT_SCRATCH to reuse one), then writes:
//   social/platforms/twitter/twitter_text/data.json                       TLD lists, emoji pattern and weights (config v3)
//   social/platforms/twitter/twitter_text/LICENSE.*                       the licences of the two packages the data comes from
//   tests/social/platforms/twitter/twitter_text/conformance_table.json    every case below with what parseTweet answers
// The Python tests read those files; they never need node.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TWITTER_TEXT_VERSION = "3.1.0";
const TWEMOJI_PARSER_VERSION = "11.0.2"; // the only release twitter-text 3.1.0's "^11.0.2" accepts
const LONG_POST_MAX = 25000;

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../../../..");

function installOfficialPackage() {
  const scratch = process.env.TWITTER_TEXT_SCRATCH || mkdtempSync(join(tmpdir(), "twitter-text-"));
  if (!process.env.TWITTER_TEXT_SCRATCH) process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, "package.json"), JSON.stringify({ private: true }));
  execFileSync(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--save-exact",
      `twitter-text@${TWITTER_TEXT_VERSION}`,
      `twemoji-parser@${TWEMOJI_PARSER_VERSION}`,
    ],
    { cwd: scratch, stdio: ["ignore", "ignore", "inherit"] },
  );
  return createRequire(join(scratch, "package.json"));
}

const require = installOfficialPackage();
const twitterText = require("twitter-text");
const emojiRegex = require("twemoji-parser/dist/lib/regex").default;
const installed = (name) => require(`${name}/package.json`).version;
if (installed("twitter-text") !== TWITTER_TEXT_VERSION || installed("twemoji-parser") !== TWEMOJI_PARSER_VERSION) {
  throw new Error("npm installed other versions than the ones pinned here");
}

// --- Data the Python implementation needs --------------------------------------------------------------

function tldList(regex) {
  // "(?:(?:com|net|...)(?=[^0-9a-zA-Z@+-]|$))": the alternatives, in the order the regex tries them.
  const match = /^\(\?:\(\?:(.*)\)\(\?=\[\^0-9a-zA-Z@\+-\]\|\$\)\)$/.exec(regex.source);
  if (!match) throw new Error(`unexpected TLD regex shape: ${regex.source.slice(0, 80)}`);
  const tlds = match[1].split("|");
  for (const tld of tlds) {
    if (/[\\()[\]{}?*+.^$]/.test(tld)) throw new Error(`TLD with a regex character: ${tld}`);
  }
  return tlds;
}

const v3 = twitterText.configs.version3;
if (emojiRegex.flags !== "g") throw new Error(`unexpected emoji regex flags: ${emojiRegex.flags}`);
const data = {
  source: {
    "twitter-text": TWITTER_TEXT_VERSION,
    "twemoji-parser": TWEMOJI_PARSER_VERSION,
    generator: "tests/social/platforms/twitter/twitter_text/generate_table.mjs",
  },
  config: {
    version: v3.version,
    maxWeightedTweetLength: v3.maxWeightedTweetLength,
    scale: v3.scale,
    defaultWeight: v3.defaultWeight,
    transformedURLLength: v3.transformedURLLength,
    emojiParsingEnabled: v3.emojiParsingEnabled,
    ranges: v3.ranges,
  },
  gTLDs: tldList(twitterText.regexen.validGTLD),
  ccTLDs: tldList(twitterText.regexen.validCCTLD),
  // A JavaScript pattern over UTF-16 code units (surrogate pairs written as \uD83D\uDE00); no flags but "g".
  emojiPattern: emojiRegex.source,
};

// --- The cases -----------------------------------------------------------------------------------------

const cases = [];
const names = new Set();
function add(category, name, text, max = 280) {
  const id = `${category}/${name}`;
  if (names.has(id)) throw new Error(`duplicate case ${id}`);
  names.add(id);
  cases.push({ category, name, text, max });
}
const a = (n) => "a".repeat(n);
const repeat = (s, n) => s.repeat(n);
const CJK210 = repeat("日本語のテキスト", 27).slice(0, 210);

// The five rows of the table.
add("issue", "cjk after a URL without a space", `詳細はこちら https://example.com/news${CJK210}`);
add("issue", "bare example.de", `${a(262)} example.de`);
add("issue", "bare shop.club", `${a(262)} shop.club`);
add("issue", "wikipedia URL with parentheses", `${a(256)} https://en.wikipedia.org/wiki/Foo_(bar)`);
add("issue", "bare bbc.co.uk", `${a(256)} bbc.co.uk`);

// URLs with a scheme.
const schemeUrls = [
  "http://example.com",
  "https://example.com",
  "https://example.com/",
  "HTTPS://EXAMPLE.COM/PATH",
  "https://www.example.com/path/to/page.html",
  "https://example.com/a/b/c/d/e/f/g/h/i/j",
  "https://example.com/search?q=twitter+text&lang=en",
  "https://example.com/?a=1&b=2#section",
  "https://example.com/page#fragment",
  "https://example.com/a-b_c~d",
  "https://example.com/%E6%97%A5%E6%9C%AC",
  "https://sub.domain.example.co.uk/path",
  "https://t.co/abc123",
  "https://t.co/abc123?x=1",
  "https://t.co/" + "a".repeat(41),
  "http://localhost:8000/admin",
  "http://127.0.0.1:8000/",
  "https://example.com:8443/path",
  "https://example.com:99999",
  "https://user:pass@example.com/",
  "https://example.com/@user/",
  "https://example.com/@user",
  "https://example.com/path.",
  "https://example.com/path!",
  "https://example.com/path?",
  "https://example.com/path?q=1.",
  "https://example.com/path,",
  "https://example.com/path:",
  "https://example.com/path;",
  "https://example.com/path'",
  "https://example.com/path\"",
  "https://example.com/path)",
  "https://example.com/foo_bar-baz/",
  "https://example.com/über/straße",
  "https://example.com/путь/страница",
  "https://example.com/日本語",
  "https://example.com/a|b",
  "https://example.com/a[1]",
  "https://example.com/a–b",
  "https://example.unknowntld/",
  "https://example.com.",
  "https://a.b",
  "https://x.com/jack/status/20",
  "https://example.com/" + "path/".repeat(30),
  "https://example.com/" + "x".repeat(4100),
  "https://" + "a".repeat(63) + ".com",
  "https://" + "a".repeat(64) + ".com",
  "ftp://example.com/file",
  "mailto:someone@example.com",
  "https://",
  "https://.com",
  "https://example..com",
  "https://-example.com",
  "https://example-.com",
  "https://exa_mple.com",
  "https://sub_domain.example.com",
];
schemeUrls.forEach((url, i) => add("url-scheme", `${String(i).padStart(2, "0")} ${url.slice(0, 60)}`, url));
schemeUrls.slice(0, 20).forEach((url, i) =>
  add("url-scheme-in-text", `${String(i).padStart(2, "0")} ${url.slice(0, 60)}`, `Read this: ${url} and tell me.`),
);
add("url-scheme-in-text", "two URLs", "https://example.com and https://example.org/x");
add("url-scheme-in-text", "URLs back to back", "https://example.com/https://example.org");
add("url-scheme-in-text", "URL glued to a word", "readhttps://example.com");
add("url-scheme-in-text", "URL after a digit", "1https://example.com");
add("url-scheme-in-text", "URL in angle brackets", "<https://example.com/a>");
add("url-scheme-in-text", "URL in quotes", "\"https://example.com/a\"");
add("url-scheme-in-text", "URL in a sentence with a full stop", "See https://example.com/a.");
add("url-scheme-in-text", "280 with a URL", `${a(256)} https://example.com/${"p".repeat(100)}`);
add("url-scheme-in-text", "281 with a URL", `${a(257)} https://example.com/${"p".repeat(100)}`);
add("url-scheme-in-text", "12 URLs", Array.from({ length: 12 }, (_, i) => `https://example.com/${i}`).join(" "));

// Bare domains: generic TLDs, country TLDs, second-level country domains.
const gtldDomains = [
  "example.com", "example.net", "example.org", "example.info", "example.biz", "example.io", "example.ai",
  "example.app", "example.dev", "example.xyz", "shop.club", "my.blog", "cool.store", "art.gallery",
  "news.online", "best.photography", "a.museum", "team.ninja", "x.onion", "example.travel", "coffee.shop",
  "brand.google", "city.london", "example.academy", "example.tokyo",
];
const cctldDomains = [
  "example.de", "example.fr", "example.jp", "example.cn", "example.ru", "example.br", "example.in",
  "example.ly", "example.me", "example.tv", "example.co", "example.us", "example.eu", "example.ch",
  "example.nl", "example.se", "example.ac", "example.zw", "example.to", "example.gg",
];
const secondLevel = [
  "bbc.co.uk", "gov.uk", "example.com.au", "example.co.jp", "example.com.br", "example.co.nz",
  "example.org.uk", "example.ac.uk", "example.gov.au", "example.co.za", "example.com.cn", "example.ne.jp",
];
const notTlds = ["example.notatld", "file.py", "script.js", "archive.tar", "readme.md", "photo.jpeg", "a.b", "v1.2.3"];
for (const d of [...gtldDomains, ...cctldDomains, ...secondLevel, ...notTlds]) {
  const category = gtldDomains.includes(d) ? "bare-gtld" : cctldDomains.includes(d) ? "bare-cctld" : secondLevel.includes(d) ? "bare-second-level" : "bare-not-a-tld";
  add(category, `${d} alone`, d);
  add(category, `${d} in a sentence`, `visit ${d} today`);
}
for (const d of [...gtldDomains.slice(0, 8), ...cctldDomains.slice(0, 8), ...secondLevel.slice(0, 6)]) {
  const category = gtldDomains.includes(d) ? "bare-gtld" : cctldDomains.includes(d) ? "bare-cctld" : "bare-second-level";
  add(category, `${d} with a path`, `go to ${d}/path/page?x=1`);
  add(category, `${d} near 280`, `${a(262)} ${d}`);
}
add("bare-cctld", "uppercase EXAMPLE.DE", "EXAMPLE.DE");
add("bare-cctld", "www.example.de", "www.example.de");
add("bare-gtld", "uppercase EXAMPLE.COM", "Visit EXAMPLE.COM");
add("bare-gtld", "mixed case Example.Org/Path", "Example.Org/Path");
add("bare-gtld", "domain with a hyphen", "my-site.com");
add("bare-gtld", "domain with an underscore", "my_site.com");
add("bare-gtld", "subdomain with an underscore", "a_b.example.com");
add("bare-gtld", "domain ending with a full stop", "See example.com.");
add("bare-gtld", "domain followed by a letter", "example.comx");
add("bare-gtld", "domain followed by a digit", "example.com1");
add("bare-gtld", "domain followed by @", "example.com@x");
add("bare-gtld", "domain followed by +", "example.com+x");
add("bare-gtld", "domain followed by -", "example.com-x");
add("bare-gtld", "domain followed by a comma", "example.com, example.org");
add("bare-gtld", "after a hyphen", "pre-example.com");
add("bare-gtld", "after an underscore", "pre_example.com");
add("bare-gtld", "after a slash", "a/example.com");
add("bare-gtld", "after a full stop", "a.example.com");
add("bare-gtld", "after a digit", "1example.com");
add("bare-gtld", "after a letter with an accent", "éexample.com");
add("bare-gtld", "long label of 63", `${"a".repeat(63)}.com`);
add("bare-gtld", "long label of 64", `${"a".repeat(64)}.com`);
add("bare-gtld", "many subdomains", "a.b.c.d.e.f.g.example.com");
add("bare-gtld", "IP address is not a domain", "192.168.0.1");
add("bare-gtld", "ellipsis between words", "wait...what.com");
add("bare-gtld", "case quirk b.coz日b.co", "b.coz日b.co");
add("bare-gtld", "case quirk B.COz日b.co", "B.COz日b.co");
add("bare-gtld", "long s in the name", "exampleſ.com");
add("bare-gtld", "long s in the TLD", "example.ſhop");
add("bare-gtld", "Kelvin sign in the TLD", "example.\u212Aim");
add("bare-gtld", "dotless i in the TLD", "example.\u0131nfo");

// A domain or URL followed (or preceded) by CJK without a space.
for (const [label, d] of [
  ["gTLD", "example.com"], ["ccTLD", "example.jp"], ["second-level", "example.co.jp"],
  ["with scheme", "https://example.com"], ["with path", "https://example.com/news"],
  ["bare with path", "example.com/news"], ["with query", "https://example.com/?q=1"],
  ["t.co", "https://t.co/abc"],
]) {
  add("cjk-adjacent", `${label} then Japanese`, `${d}詳細はこちら`);
  add("cjk-adjacent", `${label} then Chinese`, `${d}请点击这里查看`);
  add("cjk-adjacent", `${label} then Korean`, `${d}자세히보기`);
  add("cjk-adjacent", `Japanese then ${label}`, `詳細は${d}`);
}
add("cjk-adjacent", "CJK domain label", "例え.jp");
add("cjk-adjacent", "CJK subdomain then ASCII", "日本.example.com");
add("cjk-adjacent", "ideographic full stop", "example。com");
add("cjk-adjacent", "fullwidth full stop", "example．com");
add("cjk-adjacent", "URL then ideographic comma", "https://example.com、次");
add("cjk-adjacent", "URL then fullwidth parenthesis", "（https://example.com）");
add("cjk-adjacent", "Japanese IDN TLD", "例え.みんな");
add("cjk-adjacent", "Chinese IDN TLD", "https://例子.中国");
add("cjk-adjacent", "the issue's text at 280", `詳細はこちら https://example.com/news${CJK210.slice(0, 122)}`);

// Parentheses.
for (const url of [
  "https://en.wikipedia.org/wiki/Foo_(bar)",
  "https://en.wikipedia.org/wiki/Foo_(bar)_baz",
  "https://en.wikipedia.org/wiki/Foo_(bar_(baz))",
  "https://example.com/a_(b_(c_(d)))",
  "https://example.com/a(b",
  "https://example.com/a)b",
  "https://example.com/()",
  "https://example.com/(a)(b)",
  "https://example.com/?q=(a)",
  "en.wikipedia.org/wiki/Foo_(bar)",
  "https://example.com/(日本)",
]) {
  add("parentheses", `${url} alone`, url);
  add("parentheses", `${url} in parentheses`, `(see ${url})`);
}
add("parentheses", "domain in parentheses", "(example.com)");
add("parentheses", "domain with path in parentheses", "(example.com/a)");

// Ports, paths, query strings.
for (const text of [
  "example.com:8080", "example.com:8080/path", "https://example.com:80", "https://example.com:/x",
  "example.com/path/", "example.com/path.html", "example.com/path?", "example.com/?q=a&b=c",
  "example.com/?q=a&b=c.", "example.com#anchor", "https://example.com/#/route", "https://example.com/a=b;c=d",
  "https://example.com/a+b", "https://example.com/a*b", "https://example.com/a*", "https://example.com/~user",
  "https://example.com/$price", "https://example.com/a%20b", "https://example.com/a,b,c", "https://example.com/a!b",
  "https://example.com/a'b", "https://example.com/@", "https://example.com/a@b", "https://example.com/x?a=b?c",
  "https://example.com/x?q=日本", "https://example.com/x?q=a'", "https://example.com/x?q=a)",
]) {
  add("port-path-query", text, `${text} end`);
}

// Punycode and internationalised domain names.
for (const text of [
  "xn--bcher-kva.de", "https://xn--bcher-kva.de", "bücher.de", "https://bücher.de", "https://bücher.de/straße",
  "münchen.de/karte", "https://пример.рф", "пример.рф", "ПРИМЕР.РФ", "https://ПРИМЕР.РФ", "xn--e1afmkfd.xn--p1ai",
  "https://例え.テスト", "http://例え.テスト/パス", "https://παράδειγμα.ελ", "https://مثال.موقع",
  "https://xn--fsqu00a.xn--3lr804guic", "xn--fsqu00a.xn--3lr804guic", "https://xn--ls8h.la", "https://💩.la",
  "xn--.com", "https://xn--.com", "https://xn--zz.com", "https://" + "ü".repeat(60) + ".de", "https://" + "ü".repeat(30) + ".de",
  "https://example.xn--p1ai", "https://日本。jp", "café.com", "https://café.com", "naïve.example.fr",
]) {
  add("idn", text, text);
}

// Emails, mentions, hashtags and cashtags next to URLs.
for (const text of [
  "jane@example.com", "jane.doe@example.co.uk", "mail jane@example.com now", "@example.com", "＠example.com",
  "#example.com", "＃example.com", "$example.com", "@jack example.com", "@jack/example.com", "#news example.com",
  "#news/example.com", "$TSLA example.com", "$TSLA https://example.com/$TSLA", "@jack https://example.com/@jack",
  "https://example.com/#hashtag", "#hashtag https://example.com", "email: a.b@c.de", "user@localhost",
  "@user_name.com", "RT @jack: example.com", "a@b.c", "foo@bar.baz.com", "@jack@example.com",
]) {
  add("entities", text, text);
}

// CJK and other wide scripts.
for (const [name, text] of [
  ["140 CJK", repeat("日", 140)],
  ["141 CJK", repeat("日", 141)],
  ["139 CJK and 2 ASCII", repeat("日", 139) + "ab"],
  ["139 CJK and 3 ASCII", repeat("日", 139) + "abc"],
  ["hiragana", "こんにちは、世界！"],
  ["katakana", "テキストカウント"],
  ["halfwidth katakana", "ﾃｷｽﾄ"],
  ["hangul", "안녕하세요 세계"],
  ["fullwidth ASCII", "ＡＢＣ１２３"],
  ["ideographic space", "日本\u3000語"],
  ["CJK punctuation", "「こんにちは」。"],
  ["CJK extension B", "𠀋𡈽𡌛"],
  ["mixed Latin and CJK", "Hello 世界 and 日本"],
  ["140 hangul", repeat("한", 140)],
  ["141 hangul", repeat("한", 141)],
  ["Arabic", "مرحبا بالعالم"],
  ["Hebrew", "שלום עולם"],
  ["Thai", "สวัสดีชาวโลก"],
  ["Devanagari", "नमस्ते दुनिया"],
  ["Cyrillic", "Привет, мир"],
  ["Greek", "Γειά σου Κόσμε"],
  ["Ethiopic", "ሰላም ልዑል"],
  ["Georgian", "გამარჯობა"],
  ["Cherokee", "ᏣᎳᎩ"],
  ["Mongolian", "ᠮᠣᠩᠭᠣᠯ"],
]) {
  add("cjk", name, text);
}

// Weight boundaries of config v3.
for (const cp of [0x10ff, 0x1100, 0x1fff, 0x2000, 0x200d, 0x200e, 0x200f, 0x2010, 0x201f, 0x2020, 0x2031, 0x2032, 0x2037, 0x2038, 0x20ac, 0xfffd]) {
  add("weights", `U+${cp.toString(16).toUpperCase().padStart(4, "0")} x10`, String.fromCodePoint(cp).repeat(10));
}
add("weights", "empty", "");
add("weights", "one space", " ");
add("weights", "only whitespace", " \t\n ");
add("weights", "newlines", "line one\nline two\r\nline three");
add("weights", "nbsp", "a\u00a0b");
add("weights", "tab", "a\tb");
add("weights", "null character", "a\u0000b");
add("weights", "bell character", "a\u0007b");
add("weights", "private use", "\ue000\uf8ff");
add("weights", "supplementary private use", "\u{F0000}");
add("weights", "en and em dashes and quotes", "– — ‘ ’ “ ” † ‡ • … ‰ ′ ″ ‴");

// Emoji sequences.
const emoji = [
  ["grinning face", "😀"],
  ["heart with VS16", "❤️"],
  ["heart without VS16", "❤"],
  ["thumbs up medium skin tone", "👍🏽"],
  ["thumbs up each skin tone", "👍🏻👍🏼👍🏽👍🏾👍🏿"],
  ["family ZWJ", "👨‍👩‍👧‍👦"],
  ["woman technologist with skin tone", "👩🏽‍💻"],
  ["rainbow flag", "🏳️‍🌈"],
  ["pirate flag", "🏴‍☠️"],
  ["couple with heart", "👩‍❤️‍👨"],
  ["kiss with skin tones", "🧑🏻‍❤️‍💋‍🧑🏿"],
  ["flag US", "🇺🇸"],
  ["flag Japan", "🇯🇵"],
  ["three flags", "🇺🇸🇯🇵🇩🇪"],
  ["single regional indicator", "🇺"],
  ["three regional indicators", "🇺🇸🇫"],
  ["England tag sequence", "🏴󠁧󠁢󠁥󠁮󠁧󠁿"],
  ["keycap 1 with VS16", "1️⃣"],
  ["keycap 1 without VS16", "1⃣"],
  ["keycap hash", "#️⃣"],
  ["keycap star", "*️⃣"],
  ["keycap ten", "🔟"],
  ["copyright with VS16", "©️"],
  ["copyright plain", "©"],
  ["trade mark with VS16", "™️"],
  ["lone VS16", "\ufe0f"],
  ["VS16 between letters", "a\ufe0fb"],
  ["lone skin tone modifier", "🏻"],
  ["lone ZWJ", "\u200d"],
  ["ZWJ between letters", "a\u200db"],
  ["emoji 12 yawning face", "🥱"],
  ["emoji 13 smiling face with tear", "🥲"],
  ["emoji 13.1 heart on fire", "❤️‍🔥"],
  ["emoji 14 melting face", "🫠"],
  ["emoji 15 shaking face", "🫨"],
  ["people holding hands with skin tones", "🧑🏻‍🤝‍🧑🏿"],
  ["man shrugging", "🤷‍♂️"],
  ["woman running with skin tone", "🏃🏽‍♀️"],
  ["eye in speech bubble", "👁️‍🗨️"],
  ["hot beverage text style", "☕︎"],
  ["snowman", "☃"],
  ["star", "⭐"],
  ["sun with VS16", "☀️"],
  ["digits and emoji", "123😀456"],
];
for (const [name, text] of emoji) {
  add("emoji", name, text);
  add("emoji", `${name} in text`, `I feel ${text} today`);
}
add("emoji", "140 grinning faces", repeat("😀", 140));
add("emoji", "141 grinning faces", repeat("😀", 141));
add("emoji", "140 families", repeat("👨‍👩‍👧‍👦", 140));
add("emoji", "141 families", repeat("👨‍👩‍👧‍👦", 141));
add("emoji", "140 skin tones", repeat("👍🏽", 140));
add("emoji", "140 flags", repeat("🇺🇸", 140));
add("emoji", "emoji glued to a URL", "😀https://example.com😀");
add("emoji", "emoji glued to a domain", "😀example.com😀");
add("emoji", "emoji in a URL path", "https://example.com/😀");
add("emoji", "emoji domain with scheme", "https://😀.example.com");

// Combining marks and normalisation.
for (const [name, text] of [
  ["e acute precomposed", "caf\u00e9"],
  ["e acute decomposed", "cafe\u0301"],
  ["280 decomposed e acute", repeat("e\u0301", 280)],
  ["281 decomposed e acute", repeat("e\u0301", 281)],
  ["angstrom sign", repeat("\u212b", 10)],
  ["ohm sign", repeat("\u2126", 10)],
  ["kelvin sign", repeat("\u212a", 10)],
  ["hangul jamo composes", "\u1100\u1161\u11a8"],
  ["hangul jamo 140 syllables", repeat("\u1100\u1161", 140)],
  ["hangul syllables", "각가"],
  ["CJK compatibility ideograph", "\uf900\uf901"],
  ["zalgo", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA"],
  ["vietnamese precomposed", "Tiếng Việt"],
  ["vietnamese decomposed", "Tie\u0302\u0301ng Vie\u0323\u0302t"],
  ["devanagari with marks", "क्षत्रिय"],
  ["arabic with harakat", "مَرْحَبًا"],
  ["combining mark alone", "\u0301"],
  ["combining mark after emoji", "😀\u0301"],
  ["combining enclosing circle", "a\u20dd"],
  ["decomposed domain", "cafe\u0301.com"],
  ["decomposed URL path", "https://example.com/cafe\u0301"],
  ["decomposed near 280 with a URL", `${repeat("e\u0301", 256)} https://example.com`],
  ["decomposed over 280 with a URL", `${repeat("e\u0301", 257)} https://example.com`],
  ["NFD long text over the limit", repeat("a\u0308", 300)],
]) {
  add("normalization", name, text);
}

// Characters that make a text invalid.
for (const [name, char] of [["BOM U+FEFF", "\ufeff"], ["U+FFFE", "\ufffe"], ["U+FFFF", "\uffff"]]) {
  add("invalid", `${name} alone`, char);
  add("invalid", `${name} at the start`, `${char}hello`);
  add("invalid", `${name} in the middle`, `hello${char}world`);
  add("invalid", `${name} at the end`, `hello${char}`);
  add("invalid", `${name} before a URL`, `${char}https://example.com`);
  add("invalid", `${name} after a URL`, `https://example.com${char}`);
  add("invalid", `${name} inside a domain`, `exam${char}ple.com`);
  add("invalid", `${name} after an emoji`, `😀${char}`);
  add("invalid", `${name} over the limit`, `${a(290)}${char}`);
}
add("invalid", "replacement character is valid", "a\ufffdb");
add("invalid", "U+FFFD repeated", repeat("\ufffd", 10));

// Long texts near 280 and 25,000.
for (const n of [279, 280, 281]) add("long-280", `${n} ASCII`, a(n));
add("long-280", "280 with emoji at the end", `${a(278)}😀`);
add("long-280", "281 with emoji at the end", `${a(279)}😀`);
add("long-280", "280 with a domain at the end", `${a(256)} example.com`);
add("long-280", "281 with a domain at the end", `${a(257)} example.com`);
add("long-280", "overflow ends inside a URL", `${a(270)} https://example.com/a`);
add("long-280", "overflow ends inside an emoji", `${a(279)}👨‍👩‍👧‍👦`);
add("long-280", "overflow ends inside CJK", `${a(279)}日本`);
add("long-280", "a long realistic post", repeat("Scheduling posts made simple: write once, publish everywhere. ", 5));
add("long-280", "a thread of mentions", Array.from({ length: 30 }, (_, i) => `@user${i}`).join(" "));
add("long-280", "many hashtags", Array.from({ length: 30 }, (_, i) => `#tag${i}`).join(" "));
for (const n of [24999, 25000, 25001]) add("long-25000", `${n} ASCII`, a(n), LONG_POST_MAX);
add("long-25000", "12500 CJK", repeat("日", 12500), LONG_POST_MAX);
add("long-25000", "12501 CJK", repeat("日", 12501), LONG_POST_MAX);
add("long-25000", "12500 emoji", repeat("😀", 12500), LONG_POST_MAX);
add("long-25000", "prose with URLs near the limit", repeat("Read https://example.com/article and example.de now. ", 720), LONG_POST_MAX);
add("long-25000", "prose with URLs over the limit", repeat("Read https://example.com/article and example.de now. ", 721), LONG_POST_MAX);
add("long-25000", "a short text", "Premium lets you write more.", LONG_POST_MAX);
add("long-25000", "281 ASCII is fine", a(281), LONG_POST_MAX);
add("long-25000", "invalid character", `${a(500)}\ufeff`, LONG_POST_MAX);
add("long-25000", "empty", "", LONG_POST_MAX);

// Everyday posts.
for (const [name, text] of [
  ["launch", "🚀 We just launched v2.0! Read all about it at https://example.com/blog/v2 #launch @acme"],
  ["event", "Join us Thursday 6pm at Café Central (Vienna) — tickets: eventbrite.com/e/12345 🎟️"],
  ["japanese promo", "新商品のお知らせ✨ 詳しくはこちら→ https://example.jp/item/123 #新商品"],
  ["german", "Neuer Beitrag auf unserem Blog: beispiel.de/artikel – jetzt lesen!"],
  ["french", "Découvrez notre nouvelle collection sur boutique.fr 🛍️"],
  ["quote", "“The best way to predict the future is to invent it.” — Alan Kay"],
  ["code", "Use `pip install twitter-text` then run main.py"],
  ["markdown link", "[docs](https://example.com/docs)"],
  ["url list", "Links: a.com, b.org; c.net/x. d.io!"],
  ["price", "Only $9.99 at shop.example.com/deal?ref=tw"],
  ["arrows", "→ example.com ← ↑ ↓"],
  ["korean promo", "오늘의 할인! https://example.kr/sale 지금 확인하세요"],
  ["chinese promo", "了解更多：https://example.cn/新闻 ，欢迎转发"],
  ["emoji heavy", "🎉🎉🎉 Congrats team!!! 🥳🥳 🍾✨"],
  ["hashtag cashtag mention URL", "#AI $NVDA @nvidia https://nvidia.com"],
]) {
  add("everyday", name, text);
}

// Texts that make a backtracking matcher slow (twitter-text itself takes seconds on some).
add("adversarial", "12500 labels without a TLD", repeat("a.", 12500), LONG_POST_MAX);
add("adversarial", "12500 CJK labels", repeat("日.", 12500), LONG_POST_MAX);
add("adversarial", "12500 CJK then a full stop", `${repeat("日", 12500)}.`, LONG_POST_MAX);
add("adversarial", "hyphens then a full stop", `${repeat("a-", 12000)}.`, LONG_POST_MAX);
add("adversarial", "underscore labels then a TLD", `${repeat("a_b.", 6000)}com`, LONG_POST_MAX);
add("adversarial", "8000 labels then a TLD", `${repeat("ab.", 8000)}com`, LONG_POST_MAX);
add("adversarial", "long path of non-ending characters", `https://example.com/${repeat("a!", 12000)}`, LONG_POST_MAX);
add("adversarial", "nested parentheses in a path", `https://example.com/${repeat("(a)", 8000)}!`, LONG_POST_MAX);

// Seeded random texts from pieces that exercise the URL rules (the same texts on every run).
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(15);
const pieces = [
  "a", "b", "x", "Z", "0", "9", ".", ".", ".", "-", "_", "/", ":", "?", "=", "&", "#", "@", "$", "(", ")", "'",
  "\"", "!", ",", ";", " ", " ", "\n", "日", "本", "한", "ü", "é", "ſ", "\u212a", "https://", "http://", "HTTPS://",
  "www.", "com", "co", "uk", "jp", "de", "club", "xn--", "xn--bcher-kva", "嘉里", "大酒店", "中国", "рф", "😀", "👍🏽",
  "🇺🇸", "❤️", "\u200d", "\ufe0f", "\ufeff", "\u200e", "\u3002", "\uff0e", "t.co/", "e\u0301", "\u212b", ":8080",
];
const domainPieces = ["a", "b", "1", ".", ".", ".", "-", "_", "com", "co", "uk", "日", "ü", "xn--", "/", "(", ")", " "];
const pick = (list) => list[Math.floor(random() * list.length)];
for (let i = 0; i < 200; i++) {
  const list = i < 150 ? pieces : domainPieces;
  const count = 1 + Math.floor(random() * (i % 10 === 9 ? 400 : 40));
  add("fuzz", String(i).padStart(3, "0"), Array.from({ length: count }, () => pick(list)).join(""));
}

// --- What twitter-text answers -------------------------------------------------------------------------

const v3Options = (max) => ({ ...twitterText.configs.version3, maxWeightedTweetLength: max });
const rows = cases.map(({ category, name, text, max }) => {
  const result = twitterText.parseTweet(text, v3Options(max));
  const urls = twitterText.extractUrlsWithIndices(text.normalize()).map((url) => url.indices);
  return {
    category,
    name,
    text,
    max,
    weightedLength: result.weightedLength,
    valid: result.valid,
    permillage: result.permillage,
    validRangeStart: result.validRangeStart,
    validRangeEnd: result.validRangeEnd,
    displayRangeStart: result.displayRangeStart,
    displayRangeEnd: result.displayRangeEnd,
    urls,
  };
});

// Invisible, combining and not-NFC-stable characters are written as \u escapes so that no editor or
// tool can silently normalise or strip them; everything else stays readable.
const fragile = /[\p{C}\p{Z}\p{M}\u1100-\u11FF\u3130-\u318F\uA960-\uA97F\uD7B0-\uD7FF\u{E0000}-\u{E007F}]/u;
function escapeFragile(json) {
  let out = "";
  for (const char of json) {
    const unsafe = char !== " " && (fragile.test(char) || char.normalize() !== char);
    out += unsafe
      ? [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`).join("")
      : char;
  }
  return out;
}

const table = {
  about:
    "X's text counting as the official npm package twitter-text computes it (parseTweet with config v3, the " +
    "limit in max). Generated by tests/social/platforms/twitter/twitter_text/generate_table.mjs; do not edit by hand. " +
    "Indices are UTF-16 code units, as in JavaScript; urls are extractUrlsWithIndices on the NFC text.",
  source: data.source,
  cases: rows,
};
const lines = [
  "{",
  `"about": ${JSON.stringify(table.about)},`,
  `"source": ${JSON.stringify(table.source)},`,
  '"cases": [',
  rows.map((row) => escapeFragile(JSON.stringify(row))).join(",\n"),
  "]",
  "}",
  "",
];
writeFileSync(join(here, "conformance_table.json"), lines.join("\n"));
writeFileSync(join(repo, "social/platforms/twitter/twitter_text/data.json"), `${JSON.stringify(data, null, 1)}\n`);
copyFileSync(require.resolve("twitter-text/LICENSE"), join(repo, "social/platforms/twitter/twitter_text/LICENSE.twitter-text"));
copyFileSync(require.resolve("twemoji-parser/LICENSE.md"), join(repo, "social/platforms/twitter/twitter_text/LICENSE.twemoji-parser"));

const counts = rows.reduce((acc, row) => ({ ...acc, [row.category]: (acc[row.category] || 0) + 1 }), {});
console.log(`${rows.length} cases from twitter-text ${installed("twitter-text")}:`, counts);
