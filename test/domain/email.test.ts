import assert from 'node:assert/strict';
import { emailRef } from '../../src/clients/email-ref';
import { indexCompaniesByDomain, type HubspotCompany } from '../../src/domain/company-match';
import {
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeCompanyDomain,
  normalizeDomainArgument,
  normalizeEmail,
  registrableDomain,
  withoutEmails,
} from '../../src/domain/email';

describe('normalizeEmail', () => {
  const cases: Array<[unknown, string | null]> = [
    ['jane@acme.com', 'jane@acme.com'],
    ['  Jane.Doe@ACME.com \n', 'jane.doe@acme.com'],
    ['jane+tag@eng.acme.co.uk', 'jane+tag@eng.acme.co.uk'],
    // Internationalised domains in one form, ASCII (punycode), whichever form was typed.
    ['jürgen@bücher.de', 'jürgen@xn--bcher-kva.de'],
    ['jane@xn--bcher-kva.de', 'jane@xn--bcher-kva.de'],
    ['Jane@BÜCHER.DE', 'jane@xn--bcher-kva.de'],
    ['jane@XN--BCHER-KVA.DE', 'jane@xn--bcher-kva.de'],
    ['jane@bu\u0308cher.de', 'jane@xn--bcher-kva.de'],
    ['jane@пример.рф', 'jane@xn--e1afmkfd.xn--p1ai'],
    ['jane@shop.bücher.de', 'jane@shop.xn--bcher-kva.de'],
    ['jane@xn--a.de', null],
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

  // Invisible characters make an email malformed wherever they sit: dropping them silently would let one
  // address pass for another, and keeping them would make a second contact that looks like the first.
  const invisible: Array<[string, string]> = [
    ['zero-width space', '\u200b'],
    ['zero-width non-joiner', '\u200c'],
    ['zero-width joiner', '\u200d'],
    ['left-to-right mark', '\u200e'],
    ['right-to-left mark', '\u200f'],
    ['left-to-right embedding', '\u202a'],
    ['right-to-left override', '\u202e'],
    ['pop directional formatting', '\u202c'],
    ['left-to-right isolate', '\u2066'],
    ['pop directional isolate', '\u2069'],
    ['word joiner', '\u2060'],
    ['byte order mark', '\ufeff'],
    ['soft hyphen', '\u00ad'],
    ['combining grapheme joiner', '\u034f'],
  ];
  const places: Array<[string, (c: string) => string]> = [
    ['in the local part', (c) => `ja${c}ne@acme.com`],
    ['in the domain', (c) => `jane@ac${c}me.com`],
    ['in an internationalised domain', (c) => `jane@b${c}ücher.de`],
    ['before the address', (c) => `${c}jane@acme.com`],
    ['after the address', (c) => `jane@acme.com${c}`],
  ];
  for (const [name, char] of invisible) {
    for (const [place, build] of places) {
      it(`a ${name} ${place} → null`, () => assert.equal(normalizeEmail(build(char)), null));
    }
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
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['shop.bücher.de', 'xn--bcher-kva.de'],
    ['shop.xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['BÜCHER.DE', 'xn--bcher-kva.de'],
    ['foo.公司.cn', 'foo.xn--55qx5d.cn'],
    ['b\u200bücher.de', null],
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
    // The list holds a few Unicode domains; both forms of them are free mail.
    ['müll.email', true],
    ['xn--mll-hoa.email', true],
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
    ['jane@bücher.de', 'xn--bcher-kva.de'],
    ['ben@xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['jane@shop.BÜCHER.de', 'xn--bcher-kva.de'],
    ['jane@müll.email', null],
    ['jane@xn--mll-hoa.email', null],
    ['jane@b\u200bücher.de', null],
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
    // HubSpot keeps a domain as it was typed: a Unicode one matches its punycode form.
    ['bücher.de', 'xn--bcher-kva.de'],
    ['https://www.Bücher.de/shop', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['b\u200bücher.de', null],
    ['bücher.de\u200f', null],
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
    ['bücher.de', 'xn--bcher-kva.de'],
    ['WWW.BÜCHER.DE', 'xn--bcher-kva.de'],
    ['shop.xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['müll.email', 'xn--mll-hoa.email'],
    ['b\u200bücher.de', null],
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

// The stored side of a company match goes through the same normalisation as an email's domain.
describe('indexCompaniesByDomain with internationalised domains', () => {
  const company = (id: string, domain: string): HubspotCompany => ({
    id,
    createdAt: '2020-01-01T00:00:00Z',
    properties: { domain, annualrevenue: '10' },
  });
  const cases: Array<[string, string]> = [
    ['Unicode', 'bücher.de'],
    ['Unicode with www. and capitals', 'www.BÜCHER.de'],
    ['punycode', 'xn--bcher-kva.de'],
  ];
  for (const [name, stored] of cases) {
    it(`a company stored in ${name} form (${stored}) matches xn--bcher-kva.de`, () => {
      const matches = indexCompaniesByDomain([company('7', stored)], ['xn--bcher-kva.de'], 'annualrevenue');
      assert.deepEqual(matches.get('xn--bcher-kva.de'), { id: '7', arr: 10 });
    });
  }
  it('a stored domain with an invisible character matches nothing', () => {
    const matches = indexCompaniesByDomain(
      [company('7', 'b\u200bücher.de')],
      ['xn--bcher-kva.de'],
      'annualrevenue',
    );
    assert.equal(matches.size, 0);
  });
});

describe('withoutEmails', () => {
  const cases: Array<[string, string]> = [
    ['no address here', 'no address here'],
    [
      'Duplicate IDs found in batch input: [a@acme.com, b@bücher.de]',
      'Duplicate IDs found in batch input: [<email>, <email>]',
    ],
    [
      '{"message":"Email address jo+x@eng.acme.co.uk is invalid"}',
      '{"message":"Email address <email> is invalid"}',
    ],
    ['"id":"jane@acme.com"', '"id":"<email>"'],
    ['rate limit @ 100/s', 'rate limit @ 100/s'],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () =>
      assert.equal(withoutEmails(text), expected));
  }

  it('shows an email as a stable hash with emailRef (the HubSpot gateway’s failures)', () => {
    const once = withoutEmails('Email address Jo@Acme.com is invalid', emailRef);
    assert.match(once, /^Email address <email [0-9a-f]{12}> is invalid$/);
    assert.equal(
      withoutEmails('again: jo@acme.com', emailRef),
      `again: ${once.slice(14, 34)}`,
      'stable, normalised',
    );
    assert.notEqual(emailRef('a@acme.com'), emailRef('b@acme.com'));
  });
});
