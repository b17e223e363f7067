import type { Account } from './accounts.js';
import { day } from './calendar.js';
import type { Generation } from './context.js';
import type { Customer } from './customers.js';

/** 0-12 Tasks and Events on an Account, ~60% of them with one of its contacts. */
export function writeActivities(gen: Generation, customer: Customer, account: Account): void {
  const { random, crm } = gen;
  const { id: accountId, contactIds } = account;
  const activities = random.int(0, 12);
  for (let a = 0; a < activities; a++) {
    const when = random.int(-365, 30);
    const who = contactIds.length > 0 && random.chance(0.6) ? random.pick(contactIds) : null;
    if (random.chance(0.6)) {
      const done = when < 0 && random.chance(0.85);
      crm.Task.insert({
        Id: gen.ids.task.next(),
        WhatId: accountId,
        WhoId: who,
        AccountId: accountId,
        Subject: random.pick([
          'Call back',
          'Send price list',
          'Follow up on quote',
          'Email: delivery date',
          'Check invoice question',
        ]),
        Description: '',
        Status: done ? 'Completed' : random.pick(['Not Started', 'In Progress']),
        Priority: random.pick(['High', 'Normal', 'Low']),
        ActivityDate: day(when),
        TaskSubtype: random.pick(['Task', 'Email', 'Call']),
        Type: random.pick(['Call', 'Email', 'Other']),
        IsClosed: done,
        OwnerId: customer.salesperson.userId,
        ...gen.sfSystem(day(Math.min(when, 0) - random.int(0, 10))),
      });
    } else {
      const start = gen.timestamp(day(when));
      const minutes = random.pick([30, 60, 90, 120]);
      crm.Event.insert({
        Id: gen.ids.event.next(),
        WhatId: accountId,
        WhoId: who,
        AccountId: accountId,
        Subject: random.pick(['Site visit', 'Quarterly review', 'Demo', 'Lunch meeting']),
        Description: '',
        Location: random.chance(0.5) ? customer.address.city : 'Online',
        StartDateTime: start,
        EndDateTime: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
        ActivityDateTime: start,
        DurationInMinutes: minutes,
        Type: random.pick(['Meeting', 'Call', 'Other']),
        OwnerId: customer.salesperson.userId,
        ...gen.sfSystem(day(Math.min(when, 0) - random.int(0, 10))),
      });
    }
  }
}
