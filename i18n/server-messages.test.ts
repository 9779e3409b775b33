import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileCatalog,
  localizeError,
  localizeMessagesIn,
  localizeText,
  placeholdersOf,
  type ServerCatalog,
  translateWith,
} from './server-messages';

const catalog = JSON.parse(
  fs.readFileSync(path.join(process.cwd(), 'messages/bg/server.json'), 'utf8'),
) as ServerCatalog;

describe('localizeText', () => {
  it('translates an exact sentence', () => {
    expect(localizeText('No such grant.', 'bg')).toBe('Няма такъв достъп.');
    expect(localizeText('Check the highlighted fields.', 'bg')).toBe('Проверете отбелязаните полета.');
  });

  it('leaves English as it is', () => {
    expect(localizeText('No such grant.', 'en')).toBe('No such grant.');
  });

  it('fills a pattern with what it captured', () => {
    expect(localizeText('At most 10 devices per person; revoke one you no longer use.', 'bg')).toBe(
      'Най-много 10 устройства на човек; отнемете едно, което вече не ползвате.',
    );
    expect(localizeText('"fe80::1%eth0" is not an IPv4 or IPv6 address.', 'bg')).toBe(
      '„fe80::1%eth0“ не е IPv4 или IPv6 адрес.',
    );
    // Captures can be reordered and can span lines.
    expect(localizeText('The router does not show the expected rules after applying:\nfilter *1', 'bg')).toBe(
      'След прилагането рутерът не показва очакваните правила:\nfilter *1',
    );
  });

  it('picks the singular or plural sentence the code made', () => {
    expect(localizeText('Too many failed sign-ins. Try again in 1 minute.', 'bg')).toBe(
      'Твърде много неуспешни опити за вход. Опитайте отново след 1 минута.',
    );
    expect(localizeText('Too many failed sign-ins. Try again in 15 minutes.', 'bg')).toBe(
      'Твърде много неуспешни опити за вход. Опитайте отново след 15 минути.',
    );
  });

  it('translates a captured message too (a router error inside an outcome)', () => {
    expect(
      localizeText(
        'The router did not confirm yet (Could not connect to the router (connect ECONNREFUSED 127.0.0.1:8728).); access opens as soon as it answers.',
        'bg',
      ),
    ).toBe(
      'Рутерът още не е потвърдил (Не може да се осъществи връзка с рутера (connect ECONNREFUSED 127.0.0.1:8728).); достъпът ще се отвори веднага щом отговори.',
    );
    expect(
      localizeText(
        'The router refused: /ip/firewall/filter/add: failure (2 of 5 changes made; apply again to finish)',
        'bg',
      ),
    ).toBe(
      'Рутерът отказа: /ip/firewall/filter/add: failure (направени са 2 от 5 промени; приложете отново, за да завършите)',
    );
    expect(localizeText('Gap "5x" is not a RouterOS time such as 15s, 1h30m or 00:01:00.', 'bg')).toBe(
      'Интервалът „5x“ не е време във формата на RouterOS, напр. 15s, 1h30m или 00:01:00.',
    );
  });

  it('prefers an exact entry, then the pattern with the most literal text', () => {
    expect(localizeText('This request is already approved.', 'bg')).toBe('Тази заявка вече е одобрена.');
    expect(localizeText('This request is already weird.', 'bg')).toBe(
      'Тази заявка вече е в състояние weird.',
    );
    const small = compileCatalog({ '{a} b': 'short {a}', '{a} b c': 'long {a}', 'x {a} c': 'other {a}' });
    expect(translateWith(small, 'z b c')).toBe('long z');
    expect(translateWith(small, 'x y c')).toBe('other y');
  });

  it('returns unknown text unchanged, and translates the sentences it knows in a joined text', () => {
    expect(localizeText('Something nobody wrote down.', 'bg')).toBe('Something nobody wrote down.');
    expect(localizeText('', 'bg')).toBe('');
    expect(localizeText('That code is not valid. connect ETIMEDOUT 10.0.0.1:8729.', 'bg')).toBe(
      'Кодът не е валиден. connect ETIMEDOUT 10.0.0.1:8729.',
    );
  });
});

describe('localizeError', () => {
  it('translates the message and every field message, keeping the code', () => {
    const error = {
      code: 'invalid_input',
      message: 'Check the highlighted fields.',
      fields: { newPassword: 'Use at least 12 characters.', reason: 'Unknown to the catalog.' },
    };
    expect(localizeError(error, 'bg')).toEqual({
      code: 'invalid_input',
      message: 'Проверете отбелязаните полета.',
      fields: { newPassword: 'Използвайте поне 12 знака.', reason: 'Unknown to the catalog.' },
    });
    expect(error.message).toBe('Check the highlighted fields.');
    expect(localizeError(error, 'en')).toBe(error);
  });
});

describe('localizeMessagesIn', () => {
  it('translates only the named properties, at any depth', () => {
    const data = {
      message: 'This access has ended.',
      grants: [{ lastError: 'The router did not answer in time.', address: 'No such grant.' }],
    };
    expect(localizeMessagesIn(data, ['message', 'lastError'], 'bg')).toEqual({
      message: 'Този достъп е прекратен.',
      grants: [{ lastError: 'Рутерът не отговори навреме.', address: 'No such grant.' }],
    });
  });
});

describe('the Bulgarian server catalog', () => {
  it('uses exactly the placeholders of the English side', () => {
    for (const [english, bulgarian] of Object.entries(catalog)) {
      expect(placeholdersOf(bulgarian), english).toEqual(placeholdersOf(english));
    }
  });

  it('translates every entry (no English left) and quotes in Bulgarian („…“)', () => {
    for (const [english, bulgarian] of Object.entries(catalog)) {
      expect(bulgarian, english).not.toBe(english);
      expect(bulgarian, english).toMatch(/[а-яА-Я]/);
      expect(bulgarian.includes('"'), english).toBe(false);
    }
  });

  it('keeps the end of each sentence (full stop, colon, newline)', () => {
    for (const [english, bulgarian] of Object.entries(catalog)) {
      expect(bulgarian.at(-1) === '.', english).toBe(english.at(-1) === '.');
    }
  });
});
