import { expect } from '@open-wc/testing';
import {
  accountKind,
  compact,
  idCheckChar,
  normalizeCode,
  toHalfWidth,
  usccCheckChar,
  USCC_ALPHABET,
  validateAccount,
  validateIdNumber,
  validateMobile,
  validateSmsCode,
  validateTaxpayerId,
  validateUscc,
  validateUsername,
} from '../../src/validators/index.js';

// A second, plain reading of the standards, written from the tables in the
// standards rather than from the module, so the two can disagree.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

function referenceUsccCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(body.charAt(i)) * USCC_WEIGHTS[i]!;
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}

function referenceIdCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body.charAt(i)) * ID_WEIGHTS[i]!;
  return '10X98765432'.charAt(sum % 11);
}

/** Seeded generator (mulberry32) so a failing body can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** An 18-digit ID number for a birth date, with the reference check character. */
function idNumber(yyyymmdd: string, region = '110105', seq = '002'): string {
  const body = region + yyyymmdd + seq;
  return body + referenceIdCheck(body);
}

/** Replaces the character at `i`. */
const swap = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i + 1);

const TODAY = new Date(2024, 5, 15, 12); // 2024-06-15, noon local time

describe('validators', () => {
  describe('normalisation', () => {
    it('turns full-width letters, digits and spaces into ASCII', () => {
      expect(toHalfWidth('ＡＢｃ１２３　＋８６－')).to.equal('ABc123 +86-');
    });

    it('compact trims and removes inner whitespace', () => {
      expect(compact('  91 3101\t10 ６６６\u3000007217T \n')).to.equal('91310110666007217T');
    });

    it('normalizeCode also uppercases', () => {
      expect(normalizeCode(' ９１３１０１１０６６６００７２１７ｔ ')).to.equal('91310110666007217T');
    });
  });

  describe('the reference implementation', () => {
    it('agrees with the published examples', () => {
      for (const code of ['91310110666007217T', '91310115591693856A', '9144030071526726XG']) {
        expect(referenceUsccCheck(code.slice(0, 17)), code).to.equal(code[17]);
      }
      for (const id of ['11010519491231002X', '321083197812162119', '150102198807303035']) {
        expect(referenceIdCheck(id.slice(0, 17)), id).to.equal(id[17]);
      }
    });
  });

  describe('validateUscc', () => {
    it('accepts the published examples without warning', () => {
      for (const code of ['91310110666007217T', '91310115591693856A', '9144030071526726XG']) {
        expect(validateUscc(code), code).to.deep.equal({ ok: true, value: code });
      }
    });

    it('normalises case, spaces and full-width input', () => {
      expect(validateUscc(' 9144 0300 7152 6726 xg ')).to.deep.equal({ ok: true, value: '9144030071526726XG' });
      expect(validateUscc('９１３１０１１０６６６００７２１７Ｔ')).to.deep.equal({
        ok: true,
        value: '91310110666007217T',
      });
    });

    it('accepts a wrong check symbol with a checksum warning', () => {
      expect(validateUscc('91310110666007217A')).to.deep.equal({
        ok: true,
        value: '91310110666007217A',
        warning: 'checksum',
      });
      expect(validateUscc('91310115591693856B')).to.include({ ok: true, warning: 'checksum' });
    });

    it('refuses each letter outside the alphabet, anywhere', () => {
      for (const letter of ['I', 'O', 'Z', 'S', 'V']) {
        expect(validateUscc(swap('91310110666007217T', 10, letter)), letter).to.deep.equal({
          ok: false,
          reason: 'charset',
        });
        expect(validateUscc(swap('91310110666007217T', 17, letter)), letter).to.deep.equal({
          ok: false,
          reason: 'charset',
        });
      }
      expect(validateUscc('91310110-666007217T')).to.deep.equal({ ok: false, reason: 'charset' });
    });

    it('refuses wrong lengths and blanks', () => {
      expect(validateUscc('91310110666007217')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateUscc('91310110666007217TT')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateUscc('')).to.deep.equal({ ok: false, reason: 'empty' });
      expect(validateUscc(' \u3000 ')).to.deep.equal({ ok: false, reason: 'empty' });
    });

    it('matches the reference check symbol over random bodies', () => {
      const next = random(0x5eed);
      expect(USCC_ALPHABET).to.equal(ALPHABET);
      for (let n = 0; n < 400; n++) {
        let body = '';
        for (let i = 0; i < 17; i++) body += ALPHABET.charAt(Math.floor(next() * 31));
        const check = referenceUsccCheck(body);
        expect(usccCheckChar(body), body).to.equal(check);
        expect(validateUscc(body + check), body).to.deep.equal({ ok: true, value: body + check });
        expect(validateUscc((body + check).toLowerCase()), body).to.deep.equal({ ok: true, value: body + check });
        const wrong = ALPHABET.charAt((ALPHABET.indexOf(check) + 1 + Math.floor(next() * 30)) % 31);
        expect(validateUscc(body + wrong), body + wrong).to.deep.equal({
          ok: true,
          value: body + wrong,
          warning: 'checksum',
        });
      }
    });
  });

  describe('validateIdNumber', () => {
    it('accepts the published examples', () => {
      for (const id of ['11010519491231002X', '321083197812162119', '150102198807303035']) {
        expect(validateIdNumber(id), id).to.deep.equal({ ok: true, value: id });
      }
    });

    it('accepts a lowercase x, spaces and full-width digits', () => {
      expect(validateIdNumber('11010519491231002x')).to.deep.equal({ ok: true, value: '11010519491231002X' });
      expect(validateIdNumber(' 110105 19491231 002X ')).to.deep.equal({ ok: true, value: '11010519491231002X' });
      expect(validateIdNumber('１１０１０５１９４９１２３１００２ｘ')).to.deep.equal({
        ok: true,
        value: '11010519491231002X',
      });
    });

    it('refuses a corrupted check character', () => {
      expect(validateIdNumber('110105194912310021')).to.deep.equal({ ok: false, reason: 'checksum' });
      expect(validateIdNumber('32108319781216211X')).to.deep.equal({ ok: false, reason: 'checksum' });
      expect(validateIdNumber('150102198807303036')).to.deep.equal({ ok: false, reason: 'checksum' });
    });

    it('refuses wrong lengths and characters', () => {
      expect(validateIdNumber('11010519491231002')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateIdNumber('11010519491231002XX')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateIdNumber('1101051949123100211')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateIdNumber('1101051949123100')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateIdNumber('110105194912310A2X')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateIdNumber('X10105194912310021')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateIdNumber('')).to.deep.equal({ ok: false, reason: 'empty' });
    });

    it('knows Feb 29 only in leap years', () => {
      for (const date of ['20000229', '20040229', '19960229', '19880229', '20240229']) {
        expect(validateIdNumber(idNumber(date), TODAY), date).to.include({ ok: true });
      }
      for (const date of ['19000229', '20230229', '20010229', '19990229', '19970229']) {
        expect(validateIdNumber(idNumber(date), TODAY), date).to.deep.equal({ ok: false, reason: 'date' });
      }
    });

    it('refuses dates that do not exist', () => {
      for (const date of ['19801301', '19800001', '19800100', '19800132', '19800431', '19800631', '19801131']) {
        expect(validateIdNumber(idNumber(date), TODAY), date).to.deep.equal({ ok: false, reason: 'date' });
      }
      for (const date of ['19800131', '19800430', '19801231', '19800101']) {
        expect(validateIdNumber(idNumber(date), TODAY), date).to.include({ ok: true });
      }
    });

    it('refuses future and absurdly old birth dates', () => {
      expect(validateIdNumber(idNumber('20240615'), TODAY)).to.include({ ok: true });
      expect(validateIdNumber(idNumber('20240616'), TODAY)).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber(idNumber('20250101'), TODAY)).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber(idNumber('20991231'))).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber(idNumber('18991231'), TODAY)).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber(idNumber('19000101'), TODAY)).to.include({ ok: true });
    });

    it('accepts a 15-digit legacy number with a legacy warning', () => {
      expect(validateIdNumber('110105491231002')).to.deep.equal({
        ok: true,
        value: '110105491231002',
        warning: 'legacy',
      });
      expect(validateIdNumber('110105 960229 123')).to.include({ ok: true, warning: 'legacy' });
      expect(validateIdNumber('110105000229123')).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber('110105491331002')).to.deep.equal({ ok: false, reason: 'date' });
      expect(validateIdNumber('11010549123100X')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateIdNumber('1101054912310A2')).to.deep.equal({ ok: false, reason: 'charset' });
    });

    it('matches the reference check character over random numbers', () => {
      const next = random(11643);
      const from = Date.UTC(1900, 0, 1);
      const span = Date.UTC(2024, 0, 1) - from;
      for (let n = 0; n < 400; n++) {
        const born = new Date(from + Math.floor(next() * span));
        const date = pad(born.getUTCFullYear(), 4) + pad(born.getUTCMonth() + 1, 2) + pad(born.getUTCDate(), 2);
        const region = pad(110000 + Math.floor(next() * 550000), 6);
        const id = idNumber(date, region, pad(Math.floor(next() * 1000), 3));
        expect(idCheckChar(id), id).to.equal(id[17]);
        expect(validateIdNumber(id, TODAY), id).to.deep.equal({ ok: true, value: id });
        // Any other check character is refused.
        const wrong = '0123456789X'.charAt(('0123456789X'.indexOf(id[17]!) + 1 + Math.floor(next() * 10)) % 11);
        expect(validateIdNumber(id.slice(0, 17) + wrong, TODAY), wrong).to.deep.equal({
          ok: false,
          reason: 'checksum',
        });
        // MOD 11-2 catches every single changed digit (or the date breaks first).
        const at = Math.floor(next() * 17);
        const digit = String((Number(id[at]) + 1 + Math.floor(next() * 9)) % 10);
        expect(validateIdNumber(swap(id, at, digit), TODAY), swap(id, at, digit)).to.include({ ok: false });
      }
    });
  });

  describe('validateTaxpayerId', () => {
    it('recognises a Unified Social Credit Code', () => {
      expect(validateTaxpayerId('91310110666007217T')).to.deep.equal({
        ok: true,
        value: '91310110666007217T',
        kind: 'uscc',
      });
      expect(validateTaxpayerId(' 9144030071526726xg ')).to.deep.equal({
        ok: true,
        value: '9144030071526726XG',
        kind: 'uscc',
      });
      expect(validateTaxpayerId('91310110666007217A')).to.deep.equal({
        ok: true,
        value: '91310110666007217A',
        kind: 'uscc',
        warning: 'checksum',
      });
    });

    it('recognises an 18-character number built on a resident ID number', () => {
      expect(validateTaxpayerId('11010519491231002x')).to.deep.equal({
        ok: true,
        value: '11010519491231002X',
        kind: 'id-number',
      });
      expect(validateTaxpayerId('321083197812162119')).to.include({ ok: true, kind: 'id-number' });
    });

    it('accepts the older 15, 17 and 20 character forms', () => {
      expect(validateTaxpayerId('310101123456789')).to.deep.equal({
        ok: true,
        value: '310101123456789',
        kind: 'legacy',
      });
      expect(validateTaxpayerId('31010163136789X')).to.include({ ok: true, kind: 'legacy' });
      expect(validateTaxpayerId('４４０３００７１５２６７２６ｘ')).to.deep.equal({
        ok: true,
        value: '44030071526726X',
        kind: 'legacy',
      });
      expect(validateTaxpayerId('11010549123100201')).to.include({ ok: true, kind: 'legacy' });
      expect(validateTaxpayerId('11010519491231002X01')).to.include({ ok: true, kind: 'legacy' });
    });

    it('refuses other lengths, characters and forbidden letters', () => {
      for (const n of [1, 14, 16, 19, 21, 25]) {
        expect(validateTaxpayerId('1'.repeat(n)), String(n)).to.deep.equal({ ok: false, reason: 'length' });
      }
      expect(validateTaxpayerId('3101011234567-9')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateTaxpayerId('')).to.deep.equal({ ok: false, reason: 'empty' });
      for (const letter of ['I', 'O', 'Z', 'S', 'V']) {
        expect(validateTaxpayerId(swap('91310110666007217T', 5, letter)), letter).to.deep.equal({
          ok: false,
          reason: 'charset',
          kind: 'uscc',
        });
      }
    });
  });

  describe('validateMobile', () => {
    it('accepts plain, prefixed, spaced and dashed numbers', () => {
      for (const input of [
        '13812345678',
        '+8613812345678',
        '+86 138 1234 5678',
        '8613812345678',
        '86-138-1234-5678',
        '0086 138 1234 5678',
        ' 138-1234-5678 ',
        '＋８６　１３８１２３４５６７８',
      ]) {
        expect(validateMobile(input), input).to.deep.equal({ ok: true, value: '13812345678' });
      }
      for (const prefix of ['13', '14', '15', '16', '17', '18', '19']) {
        expect(validateMobile(prefix + '912345678'), prefix).to.include({ ok: true });
      }
    });

    it('refuses numbers not starting with 13–19', () => {
      for (const input of ['12812345678', '10812345678', '11812345678', '23812345678', '+86 128 1234 5678']) {
        expect(validateMobile(input), input).to.deep.equal({ ok: false, reason: 'prefix' });
      }
    });

    it('refuses wrong lengths and characters', () => {
      expect(validateMobile('1381234567')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateMobile('138123456789')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateMobile('+86 138 1234 567')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateMobile('138l2345678')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateMobile('+1 138 1234 5678')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateMobile('(138) 1234 5678')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateMobile(' ')).to.deep.equal({ ok: false, reason: 'empty' });
    });
  });

  describe('validateUsername', () => {
    it('accepts letters, digits and underscores starting with a letter', () => {
      for (const name of ['zhang_san', 'Li_4', 'abcd', 'a'.repeat(20), '张三丰_2024', 'tax_Agent_01']) {
        expect(validateUsername(` ${name} `), name).to.deep.equal({ ok: true, value: name });
      }
      expect(validateUsername('ｚｈａｎｇ＿ｓａｎ')).to.deep.equal({ ok: true, value: 'zhang_san' });
    });

    it('refuses other characters, a leading digit or underscore, and wrong lengths', () => {
      for (const name of ['zhang san', 'zhang.san', 'zhang@tax', '1abcde', '_abcde', 'abc-def']) {
        expect(validateUsername(name), name).to.deep.equal({ ok: false, reason: 'charset' });
      }
      expect(validateUsername('abc')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateUsername('a'.repeat(21))).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateUsername('  ')).to.deep.equal({ ok: false, reason: 'empty' });
    });
  });

  describe('validateAccount', () => {
    it('classifies the input', () => {
      expect(accountKind('11010519491231002x')).to.equal('id-number');
      expect(accountKind('110105491231002')).to.equal('id-number');
      expect(accountKind('+86 138 1234 5678')).to.equal('mobile');
      expect(accountKind('8613812345678')).to.equal('mobile');
      expect(accountKind('13812345678')).to.equal('mobile');
      expect(accountKind('zhang_san')).to.equal('username');
      expect(accountKind('张三丰')).to.equal('username');
      expect(accountKind('   ')).to.equal(undefined);
    });

    it('checks each kind with its own rules', () => {
      expect(validateAccount(' 11010519491231002x ')).to.deep.equal({
        ok: true,
        value: '11010519491231002X',
        kind: 'id-number',
      });
      expect(validateAccount('110105491231002')).to.deep.equal({
        ok: true,
        value: '110105491231002',
        kind: 'id-number',
        warning: 'legacy',
      });
      expect(validateAccount('+86 138-1234-5678')).to.deep.equal({ ok: true, value: '13812345678', kind: 'mobile' });
      expect(validateAccount(' zhang_san ')).to.deep.equal({ ok: true, value: 'zhang_san', kind: 'username' });
    });

    it('reports why and as what an input was refused', () => {
      expect(validateAccount('110105194912310021')).to.deep.equal({ ok: false, reason: 'checksum', kind: 'id-number' });
      expect(validateAccount(idNumber('20240616'), TODAY)).to.deep.equal({
        ok: false,
        reason: 'date',
        kind: 'id-number',
      });
      expect(validateAccount('12812345678')).to.deep.equal({ ok: false, reason: 'prefix', kind: 'mobile' });
      expect(validateAccount('1381234567')).to.deep.equal({ ok: false, reason: 'length', kind: 'mobile' });
      expect(validateAccount('11010519491231')).to.deep.equal({ ok: false, reason: 'length', kind: 'id-number' });
      expect(validateAccount('zhang san')).to.deep.equal({ ok: false, reason: 'charset', kind: 'username' });
      expect(validateAccount('abc')).to.deep.equal({ ok: false, reason: 'length', kind: 'username' });
      expect(validateAccount('')).to.deep.equal({ ok: false, reason: 'empty' });
    });
  });

  describe('validateSmsCode', () => {
    it('accepts digits of the expected length, dropping spaces', () => {
      expect(validateSmsCode('123456')).to.deep.equal({ ok: true, value: '123456' });
      expect(validateSmsCode(' 123 456 ')).to.deep.equal({ ok: true, value: '123456' });
      expect(validateSmsCode('１２３４５６')).to.deep.equal({ ok: true, value: '123456' });
      expect(validateSmsCode('12 34', 4)).to.deep.equal({ ok: true, value: '1234' });
    });

    it('refuses other lengths and characters', () => {
      expect(validateSmsCode('12345')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateSmsCode('1234567')).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateSmsCode('123456', 4)).to.deep.equal({ ok: false, reason: 'length' });
      expect(validateSmsCode('12a456')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateSmsCode('123-456')).to.deep.equal({ ok: false, reason: 'charset' });
      expect(validateSmsCode('')).to.deep.equal({ ok: false, reason: 'empty' });
    });
  });
});
