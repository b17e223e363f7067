import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { idChecksum } from '../../legacy/crm/ids.js';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import { buildDatabase, erpId, type Running, sfId, start } from '../helpers/crm-legacy-fixture.js';

let crm: Running;

beforeEach(async () => {
  await crm?.close();
  crm = await start(buildDatabase());
});
afterAll(async () => {
  await crm.close();
});

const count = (soql: string) => crm.query(soql).then((r) => r.body.totalSize as number);

describe('sobjects CRUD', () => {
  it('creates with a fresh 18-char id (object prefix, valid checksum) and reads it back', async () => {
    const res = await crm.send('POST', 'sobjects/Contact', {
      AccountId: sfId('Account', 1),
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Email: 'ada@example.com',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ success: true, errors: [] });
    const id: string = res.body.id;
    expect(id).toMatch(/^003[0-9A-Za-z]{12}[A-Z0-5]{3}$/);
    expect(id.slice(15)).toBe(idChecksum(id.slice(0, 15)));
    const read = await crm.get(`sobjects/Contact/${id}`);
    expect(read.body).toMatchObject({
      Name: 'Ada Lovelace',
      AccountId: sfId('Account', 1),
      IsDeleted: false,
    });
    expect(read.body.OwnerId).toBe(sfId('User', 1));
    expect(read.body.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('validates fields: unknown, read-only, mistyped, required, bad references', async () => {
    const cases: [unknown, string, string[] | undefined][] = [
      [{ Name: 'x', Nope__c: 1 }, 'INVALID_FIELD', ['Nope__c']],
      [
        { Name: 'x', CreatedDate: '2024-01-01T00:00:00Z' },
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        ['CreatedDate'],
      ],
      [{ Name: 'x', NumberOfEmployees: 'many' }, 'JSON_PARSER_ERROR', undefined],
      [{ Name: 42 }, 'JSON_PARSER_ERROR', undefined],
      [{ Name: 'x', AnnualRevenue: true }, 'JSON_PARSER_ERROR', undefined],
      [{ Industry: 'Retail' }, 'REQUIRED_FIELD_MISSING', ['Name']],
      [{ Name: '' }, 'REQUIRED_FIELD_MISSING', ['Name']],
      [{ Name: 'x', OwnerId: 'garbage' }, 'MALFORMED_ID', ['OwnerId']],
      [{ Name: 'x', BillingCity: 'c'.repeat(41) }, 'STRING_TOO_LONG', ['BillingCity']],
      [{ Name: 'n'.repeat(256) }, 'STRING_TOO_LONG', ['Name']],
      [{ Name: 'x', OwnerId: sfId('User', 77) }, 'INVALID_CROSS_REFERENCE_KEY', ['OwnerId']],
      ['[1]', 'JSON_PARSER_ERROR', undefined],
      ['{"Name": ', 'JSON_PARSER_ERROR', undefined],
    ];
    for (const [body, code, fields] of cases) {
      const res = await crm.send('POST', 'sobjects/Account', body);
      expect({ body, status: res.status, code: res.body[0].errorCode }).toEqual({ body, status: 400, code });
      if (fields) expect(res.body[0].fields).toEqual(fields);
    }
    const date = await crm.send('POST', 'sobjects/Opportunity', {
      Name: 'o',
      StageName: 'x',
      CloseDate: '2024-13-45',
    });
    expect(date.body[0].errorCode).toBe('INVALID_TYPE_ON_FIELD_IN_RECORD');
    const contact = await crm.send('POST', 'sobjects/Contact', { FirstName: 'No' });
    expect(contact.body[0]).toMatchObject({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] });
    expect(await count('SELECT COUNT() FROM Account')).toBe(10);
  });

  it('updates with PATCH (204), bumping LastModifiedDate and SystemModstamp, and deletes (204)', async () => {
    const id = sfId('Account', 1);
    const res = await crm.send('PATCH', `sobjects/Account/${id}`, { Phone: '555-0100', Industry: null });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const read = await crm.get(
      `sobjects/Account/${id}?fields=Phone,Industry,LastModifiedDate,SystemModstamp`,
    );
    expect(read.body.Phone).toBe('555-0100');
    expect(read.body.Industry).toBeNull();
    expect(Date.parse(read.body.LastModifiedDate)).toBeGreaterThan(Date.parse('2024-02-01T08:00:00Z'));
    expect(read.body.SystemModstamp).toBe(read.body.LastModifiedDate);
    const contactId = sfId('Contact', 1);
    await crm.send('PATCH', `sobjects/Contact/${contactId}`, { LastName: 'Renamed' });
    expect((await crm.get(`sobjects/Contact/${contactId}?fields=Name`)).body.Name).toBe('First1 Renamed');
    const unknown = await crm.send('PATCH', `sobjects/Account/${sfId('Account', 999)}`, { Phone: '1' });
    expect(unknown.status).toBe(404);
    expect(unknown.body[0].errorCode).toBe('NOT_FOUND');
    const cleared = await crm.send('PATCH', `sobjects/Account/${id}`, { Name: null });
    expect(cleared.body[0].errorCode).toBe('REQUIRED_FIELD_MISSING');

    expect((await crm.send('DELETE', `sobjects/Account/${id}`)).status).toBe(204);
    const gone = await crm.get(`sobjects/Account/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body[0].errorCode).toBe('ENTITY_IS_DELETED');
    expect(await count('SELECT COUNT() FROM Account')).toBe(9);
    const all = await crm.get(
      `queryAll?q=${encodeURIComponent(`SELECT Id, IsDeleted FROM Account WHERE Id = '${id}'`)}`,
    );
    expect(all.body.records[0].IsDeleted).toBe(true);
  });

  it("keeps derived fields: quote totals follow their lines, an opportunity's stage sets IsClosed/IsWon", async () => {
    const quote = sfId('Quote', 1);
    const line = await crm.send('POST', 'sobjects/QuoteLineItem', {
      QuoteId: quote,
      Product2Id: sfId('Product2', 1),
      Quantity: 2,
      UnitPrice: 50,
      Discount: 10,
    });
    expect(line.status).toBe(201);
    const totals = () => crm.get(`sobjects/Quote/${quote}?fields=Subtotal,TotalPrice,Discount,GrandTotal`);
    // Lines 10 + 20 + 30 from the fixture, plus 2 × 50 less 10 %.
    expect((await totals()).body).toMatchObject({
      Subtotal: 160,
      TotalPrice: 150,
      Discount: 6.25,
      GrandTotal: 150,
    });
    await crm.send('PATCH', `sobjects/Quote/${quote}`, { Tax: 15 });
    expect((await totals()).body.GrandTotal).toBe(165);
    await crm.send('DELETE', `sobjects/QuoteLineItem/${line.body.id}`);
    expect((await totals()).body).toMatchObject({ Subtotal: 60, TotalPrice: 60, GrandTotal: 75 });
    const readOnly = await crm.send('PATCH', `sobjects/Quote/${quote}`, { TotalPrice: 1 });
    expect(readOnly.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    await crm.send('PATCH', `sobjects/Opportunity/${sfId('Opportunity', 1)}`, { StageName: 'Closed Won' });
    const opp = await crm.get(`sobjects/Opportunity/${sfId('Opportunity', 1)}?fields=IsClosed,IsWon`);
    expect(opp.body).toMatchObject({ IsClosed: true, IsWon: true });
  });

  it('honours If-Unmodified-Since on PATCH: 412 PRECONDITION_FAILED when changed since', async () => {
    const id = sfId('Account', 2);
    const { body } = await crm.get(`sobjects/Account/${id}?fields=LastModifiedDate`);
    const readAt = new Date(Date.parse(body.LastModifiedDate)).toUTCString();
    const first = await crm.send(
      'PATCH',
      `sobjects/Account/${id}`,
      { Phone: '1' },
      { 'if-unmodified-since': readAt },
    );
    expect(first.status).toBe(204);
    const stale = await crm.send(
      'PATCH',
      `sobjects/Account/${id}`,
      { Phone: '2' },
      { 'if-unmodified-since': readAt },
    );
    expect(stale.status).toBe(412);
    expect(stale.body[0].errorCode).toBe('PRECONDITION_FAILED');
    expect((await crm.get(`sobjects/Account/${id}?fields=Phone`)).body.Phone).toBe('1');
    const bad = await crm.send(
      'PATCH',
      `sobjects/Account/${id}`,
      { Phone: '3' },
      { 'if-unmodified-since': 'yesterday' },
    );
    expect(bad.status).toBe(400);
  });
});

describe('external id', () => {
  const path = (value: string) => `sobjects/Account/ERP_Customer_Id__c/${value}`;

  it('GET: 200 for one match (any case), 300 with urls for several, 404 for none', async () => {
    const one = await crm.get(path(erpId(3).toUpperCase()));
    expect(one.status).toBe(200);
    expect(one.body.Id).toBe(sfId('Account', 3));
    const several = await crm.get(path(erpId(9)));
    expect(several.status).toBe(300);
    expect(several.body).toEqual([
      `${API_PREFIX}/sobjects/Account/${sfId('Account', 9)}`,
      `${API_PREFIX}/sobjects/Account/${sfId('Account', 10)}`,
    ]);
    const none = await crm.get(path('f0000000-0000-4000-8000-000000000000'));
    expect(none.status).toBe(404);
    expect(none.body[0].errorCode).toBe('NOT_FOUND');
    const notExternal = await crm.get(`sobjects/Account/Name/x`);
    expect(notExternal.status).toBe(404);
  });

  it('PATCH upserts: 201 created, 204 updated, 300 when several match', async () => {
    const fresh = 'f0000000-0000-4000-8000-000000000001';
    const created = await crm.send('PATCH', path(fresh), { Name: 'Upserted Ltd' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ success: true, created: true, errors: [] });
    expect(created.body.id).toMatch(/^001/);
    const updated = await crm.send('PATCH', path(fresh), { Phone: '555' });
    expect(updated.status).toBe(204);
    const read = await crm.get(`sobjects/Account/${created.body.id}?fields=Name,Phone,ERP_Customer_Id__c`);
    expect(read.body).toMatchObject({ Name: 'Upserted Ltd', Phone: '555', ERP_Customer_Id__c: fresh });
    const dup = await crm.send('PATCH', path(erpId(9)), { Phone: '1' });
    expect(dup.status).toBe(300);
    expect(dup.body).toHaveLength(2);
    const missingName = await crm.send('PATCH', path('f0000000-0000-4000-8000-000000000002'), { Phone: '1' });
    expect(missingName.body[0].errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(await count('SELECT COUNT() FROM Account')).toBe(11);
  });
});

describe('composite', () => {
  it('runs subrequests in order with @{ref} references into earlier answers', async () => {
    const res = await crm.send('POST', 'composite', {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Account`,
          referenceId: 'newAccount',
          body: { Name: 'Composite Co' },
        },
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Contact`,
          referenceId: 'newContact',
          body: { LastName: 'Ref', AccountId: '@{newAccount.id}' },
        },
        {
          method: 'GET',
          url: `${API_PREFIX}/query?q=${encodeURIComponent("SELECT Id, Name FROM Account WHERE Name = 'Composite Co'")}`,
          referenceId: 'found',
        },
        {
          method: 'GET',
          url: `${API_PREFIX}/sobjects/Account/@{found.records[0].Id}?fields=Name`,
          referenceId: 'readBack',
        },
      ],
    });
    expect(res.status).toBe(200);
    const [account, contact, found, readBack] = res.body.compositeResponse;
    expect(account).toMatchObject({ httpStatusCode: 201, referenceId: 'newAccount' });
    expect(account.httpHeaders).toEqual({ Location: `${API_PREFIX}/sobjects/Account/${account.body.id}` });
    expect(contact.httpStatusCode).toBe(201);
    expect(found.body.records[0].Id).toBe(account.body.id);
    expect(readBack).toMatchObject({ httpStatusCode: 200, body: { Name: 'Composite Co' } });
    // The composite is one API call, whatever it holds; its parts are counted by route.
    expect(res.headers.get('sforce-limit-info')).toBe('api-usage=1/1000000');
    expect(await crm.stats()).toEqual({ composite: 1, 'sobject.create': 2, query: 1, 'sobject.get': 1 });
    const linked = await crm.get(`sobjects/Contact/${contact.body.id}?fields=AccountId`);
    expect(linked.body.AccountId).toBe(account.body.id);
  });

  it('with allOrNone rolls every write back on a failure and halts the rest', async () => {
    const res = await crm.send('POST', 'composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Account`,
          referenceId: 'a',
          body: { Name: 'Rolled Back' },
        },
        {
          method: 'PATCH',
          url: `${API_PREFIX}/sobjects/Account/${sfId('Account', 1)}`,
          referenceId: 'b',
          body: { Phone: '9' },
        },
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Contact`,
          referenceId: 'c',
          body: { FirstName: 'no last name' },
        },
        { method: 'POST', url: `${API_PREFIX}/sobjects/Account`, referenceId: 'd', body: { Name: 'Never' } },
      ],
    });
    expect(res.status).toBe(200);
    const codes = res.body.compositeResponse.map(
      (r: { httpStatusCode: number; body: { errorCode: string }[] }) => [
        r.httpStatusCode,
        r.body[0]?.errorCode,
      ],
    );
    expect(codes).toEqual([
      [400, 'PROCESSING_HALTED'],
      [400, 'PROCESSING_HALTED'],
      [400, 'REQUIRED_FIELD_MISSING'],
      [400, 'PROCESSING_HALTED'],
    ]);
    expect(await count("SELECT COUNT() FROM Account WHERE Name IN ('Rolled Back', 'Never')")).toBe(0);
    expect((await crm.get(`sobjects/Account/${sfId('Account', 1)}?fields=Phone`)).body.Phone).toBeNull();
  });

  it('without allOrNone keeps earlier writes and halts what references a failure', async () => {
    const res = await crm.send('POST', 'composite', {
      compositeRequest: [
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Account`,
          referenceId: 'bad',
          body: { Industry: 'x' },
        },
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Account`,
          referenceId: 'good',
          body: { Name: 'Kept' },
        },
        {
          method: 'POST',
          url: `${API_PREFIX}/sobjects/Contact`,
          referenceId: 'dep',
          body: { LastName: 'x', AccountId: '@{bad.id}' },
        },
      ],
    });
    const statuses = res.body.compositeResponse.map((r: { httpStatusCode: number }) => r.httpStatusCode);
    expect(statuses).toEqual([400, 201, 400]);
    expect(res.body.compositeResponse[2].body[0].errorCode).toBe('PROCESSING_HALTED');
    expect(await count("SELECT COUNT() FROM Account WHERE Name = 'Kept'")).toBe(1);
  });

  it('enforces 25 subrequests and 5 queries/collections', async () => {
    const get = (i: number) => ({
      method: 'GET',
      url: `${API_PREFIX}/sobjects/Account/${sfId('Account', 1)}`,
      referenceId: `r${i}`,
    });
    const tooMany = await crm.send('POST', 'composite', {
      compositeRequest: Array.from({ length: 26 }, (_, i) => get(i)),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body[0].errorCode).toBe('LIMIT_EXCEEDED');
    const twentyFive = await crm.send('POST', 'composite', {
      compositeRequest: Array.from({ length: 25 }, (_, i) => get(i)),
    });
    expect(twentyFive.status).toBe(200);
    expect(twentyFive.body.compositeResponse).toHaveLength(25);
    const query = (i: number) => ({
      method: 'GET',
      url: `${API_PREFIX}/query?q=SELECT+Id+FROM+User`,
      referenceId: `q${i}`,
    });
    const heavy = await crm.send('POST', 'composite', {
      compositeRequest: Array.from({ length: 6 }, (_, i) => query(i)),
    });
    expect(heavy.status).toBe(400);
    expect(heavy.body[0].errorCode).toBe('LIMIT_EXCEEDED');
    const dupRef = await crm.send('POST', 'composite', { compositeRequest: [get(1), get(1)] });
    expect(dupRef.status).toBe(400);
  });
});

describe('sObject collections', () => {
  it('retrieves up to 2,000 ids in order with nulls for unknown ones (POST and GET)', async () => {
    const ids = [sfId('Account', 2), sfId('Account', 999), sfId('Account', 1)];
    const res = await crm.send('POST', 'composite/sobjects/Account', { ids, fields: ['Id', 'Name'] });
    expect(res.status).toBe(200);
    expect(res.body.map((r: { Name: string } | null) => r?.Name ?? null)).toEqual([
      "O'Brien & Sons",
      null,
      'Adatum Corporation',
    ]);
    const viaGet = await crm.get(`composite/sobjects/Account?ids=${ids.join(',')}&fields=Name`);
    expect(viaGet.body[2].Name).toBe('Adatum Corporation');
    const tooMany = await crm.send('POST', 'composite/sobjects/Account', {
      ids: Array.from({ length: 2001 }, (_, i) => sfId('Account', i + 1)),
      fields: ['Id'],
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
    const max = await crm.send('POST', 'composite/sobjects/Account', {
      ids: Array.from({ length: 2000 }, (_, i) => sfId('Account', i + 1)),
      fields: ['Id'],
    });
    expect(max.body.filter((r: unknown) => r !== null)).toHaveLength(10);
    const badField = await crm.send('POST', 'composite/sobjects/Account', { ids, fields: ['Nope'] });
    expect(badField.body[0].errorCode).toBe('INVALID_FIELD');
  });

  it('creates and updates up to 200 records, each result in order', async () => {
    const created = await crm.send('POST', 'composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Account' }, Name: 'Coll 1' },
        { attributes: { type: 'Account' }, Industry: 'no name' },
        { attributes: { type: 'Contact' }, LastName: 'Coll' },
      ],
    });
    expect(created.status).toBe(200);
    expect(created.body.map((r: { success: boolean }) => r.success)).toEqual([true, false, true]);
    expect(created.body[1].errors[0]).toMatchObject({
      statusCode: 'REQUIRED_FIELD_MISSING',
      fields: ['Name'],
    });
    const updated = await crm.send('PATCH', 'composite/sobjects', {
      records: [
        { attributes: { type: 'Account' }, id: created.body[0].id, Phone: '1' },
        { attributes: { type: 'Account' }, id: sfId('Account', 999), Phone: '1' },
      ],
    });
    expect(updated.body.map((r: { success: boolean }) => r.success)).toEqual([true, false]);
    expect((await crm.get(`sobjects/Account/${created.body[0].id}?fields=Phone`)).body.Phone).toBe('1');
    const tooMany = await crm.send('POST', 'composite/sobjects', {
      records: Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `n${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
  });

  it('deletes by ids and by external id', async () => {
    const res = await crm.send(
      'DELETE',
      `composite/sobjects?ids=${sfId('Contact', 1)},${sfId('Contact', 999)}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.map((r: { success: boolean }) => r.success)).toEqual([true, false]);
    expect(res.body[1].errors[0].statusCode).toBe('NOT_FOUND');
    const byExternal = await crm.send('DELETE', `sobjects/Account/ERP_Customer_Id__c/${erpId(4)}`);
    expect(byExternal.status).toBe(204);
    expect((await crm.get(`sobjects/Account/${sfId('Account', 4)}`)).body[0].errorCode).toBe(
      'ENTITY_IS_DELETED',
    );
    expect(await count('SELECT COUNT() FROM Contact')).toBe(11);
  });

  it('with allOrNone rolls back every record when one fails', async () => {
    const res = await crm.send('POST', 'composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Account' }, Name: 'All 1' },
        { attributes: { type: 'Account' }, Name: 'All 2', Nope: 1 },
      ],
    });
    expect(res.body.map((r: { success: boolean }) => r.success)).toEqual([false, false]);
    expect(res.body[0].errors[0].statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(res.body[1].errors[0].statusCode).toBe('INVALID_FIELD');
    expect(await count("SELECT COUNT() FROM Account WHERE Name LIKE 'All %'")).toBe(0);
  });
});
