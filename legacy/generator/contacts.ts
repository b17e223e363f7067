import type { Account } from './accounts.js';
import { day } from './calendar.js';
import type { Generation } from './context.js';
import type { Customer } from './customers.js';
import { CONTACT_ROLES, GIVEN_NAMES, PEOPLE_SURNAMES, TITLES } from './vocabulary.js';

/**
 * 1-5 Contacts of an Account (the first its decision maker), added to `account.contactIds`;
 * about one in five is a member of a campaign.
 */
export function writeContacts(
  gen: Generation,
  customer: Customer,
  account: Account,
  campaigns: readonly string[],
): void {
  const { random, crm } = gen;
  const { address } = customer;
  const contactCount = random.int(1, 5);
  for (let c = 0; c < contactCount; c++) {
    const given = random.pick(GIVEN_NAMES);
    const surname = random.pick(PEOPLE_SURNAMES);
    const contactId = gen.ids.contact.next();
    account.contactIds.push(contactId);
    crm.Contact.insert({
      Id: contactId,
      AccountId: account.id,
      FirstName: given,
      LastName: surname,
      Name: `${given} ${surname}`,
      Salutation: random.pick(['Mr.', 'Ms.', 'Dr.', '']),
      Title: random.pick(TITLES),
      Email:
        `${given}.${surname}`
          .normalize('NFD')
          .replace(/[^A-Za-z.]/g, '')
          .toLowerCase() + `@${customer.domain}`,
      Phone: gen.phone(),
      MobilePhone: random.chance(0.5) ? gen.phone() : null,
      MailingStreet: address.line1,
      MailingCity: address.city,
      MailingState: address.state,
      MailingPostalCode: address.postalCode,
      MailingCountry: address.country,
      Contact_Role__c: c === 0 ? 'Decision Maker' : random.pick(CONTACT_ROLES),
      OwnerId: customer.salesperson.userId,
      ...gen.sfSystem(account.created),
    });
    if (random.chance(0.2)) {
      crm.CampaignMember.insert({
        Id: gen.ids.campaignMember.next(),
        CampaignId: random.pick(campaigns),
        ContactId: contactId,
        Status: random.pick(['Sent', 'Responded']),
        HasResponded: random.chance(0.4),
        ...gen.sfSystem(day(-random.int(0, 400))),
      });
    }
  }
}
