import assert from 'node:assert/strict';
import {
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeCompanyDomain,
  normalizeDomainArgument,
  normalizeEmail,
  registrableDomain,
} from '../../src/domain/email';

describe('normalizeEmail', () => {
  const cases: Array<[unknown, string | null]> = [
    ['jane@acme.com', 'jane@acme.com'],
    ['  Jane.Doe@ACME.com \n', 'jane.doe@acme.com'],
    ['jane+tag@eng.acme.co.uk', 'jane+tag@eng.acme.co.uk'],
    ['jürgen@bücher.de', 'jürgen@bücher.de'],
    ['jane@xn--bcher-kva.de', 'jane@xn--bcher-kva.de'],
    [null, null],
    [undefined, null],
    [42, null],
    ['', null],
    ['   ', null],
    ['jane', null],
    ['jane@', null],
    ['@acme.com', null],
    ['jane@@acme.com', null],
    ['jane@bob@acme.com', null],
    ['jane@localhost', null],
    ['jane doe@acme.com', null],
    ['jane@ac me.com', null],
    ['jane@acme..com', null],
    ['jane@.acme.com', null],
    ['jane@acme.com.', null],
    ['jane@-acme.com', null],
    ['jane@acme-.com', null],
    ['jane@acme_corp.com', null],
    ['jane@1.2.3.4', null],
    ['jane@[1.2.3.4]', null],
  ];
  for (const [raw, expected] of cases) {
    it(`${JSON.stringify(raw)} → ${String(expected)}`, () => assert.equal(normalizeEmail(raw), expected));
  }
});

describe('registrableDomain', () => {
  const cases: Array<[string, string | null]> = [
    ['acme.com', 'acme.com'],
    ['eng.acme.com', 'acme.com'],
    ['eng.acme.co.uk', 'acme.co.uk'],
    ['acme.co.uk', 'acme.co.uk'],
    ['a.b.acme.com.au', 'acme.com.au'],
    ['ACME.COM', 'acme.com'],
    ['acme.com.', 'acme.com'],
    ['co.uk', null],
    ['com', null],
    ['1.2.3.4', null],
    ['::1', null],
    ['', null],
    ['пример.рф', 'пример.рф'],
  ];
  for (const [host, expected] of cases) {
    it(`${JSON.stringify(host)} → ${String(expected)}`, () =>
      assert.equal(registrableDomain(host), expected));
  }
});

describe('isFreeMailDomain', () => {
  const cases: Array<[string, boolean]> = [
    ['gmail.com', true],
    ['googlemail.com', true],
    ['outlook.com', true],
    ['hotmail.com', true],
    ['yahoo.co.uk', true],
    ['GMAIL.COM', true],
    ['acme.com', false],
    ['hooli.com', false],
  ];
  for (const [domain, expected] of cases) {
    it(`${domain} → ${String(expected)}`, () => assert.equal(isFreeMailDomain(domain), expected));
  }
});

describe('companyDomainOfEmail', () => {
  const cases: Array<[string, string | null]> = [
    ['jane@acme.com', 'acme.com'],
    ['JANE@ACME.COM', 'acme.com'],
    ['  jane@acme.com  ', 'acme.com'],
    ['jane@eng.acme.com', 'acme.com'],
    ['jane@eng.acme.co.uk', 'acme.co.uk'],
    ['jane@sydney.acme.com.au', 'acme.com.au'],
    ['jane@gmail.com', null],
    ['jane@googlemail.com', null],
    ['jane@outlook.com', null],
    ['jane@yahoo.co.uk', null],
    // Free mail is tested on the registrable domain, not the host.
    ['jane@mail.yahoo.co.uk', null],
    ['jane@bücher.de', 'bücher.de'],
    ['jane@1.2.3.4', null],
    ['jane@co.uk', null],
    ['not-an-email', null],
    ['', null],
  ];
  for (const [email, expected] of cases) {
    it(`${JSON.stringify(email)} → ${String(expected)}`, () =>
      assert.equal(companyDomainOfEmail(email), expected));
  }
});

describe('normalizeCompanyDomain', () => {
  const cases: Array<[string, string | null]> = [
    ['hooli.com', 'hooli.com'],
    ['WWW.Hooli.com', 'hooli.com'],
    ['  www.hooli.com  ', 'hooli.com'],
    ['https://www.acme.com/x', 'acme.com'],
    ['http://acme.com:8080/path?q=1#f', 'acme.com'],
    ['acme.com/', 'acme.com'],
    ['acme.com.', 'acme.com'],
    ['eng.acme.co.uk', 'eng.acme.co.uk'],
    ['www2.acme.com', 'www2.acme.com'],
    ['', null],
    ['   ', null],
    ['acme', null],
    ['https://', null],
    ['not a domain', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeCompanyDomain(input), expected));
  }
});

describe('normalizeDomainArgument', () => {
  const cases: Array<[string, string | null]> = [
    ['WWW.Hooli.com', 'hooli.com'],
    ['hooli.com', 'hooli.com'],
    ['eng.acme.co.uk', 'acme.co.uk'],
    ['https://app.acme.com.au/login', 'acme.com.au'],
    ['gmail.com', 'gmail.com'],
    ['co.uk', null],
    ['1.2.3.4', null],
    ['hooli', null],
    ['', null],
    ['!!!', null],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${String(expected)}`, () =>
      assert.equal(normalizeDomainArgument(input), expected));
  }
});
