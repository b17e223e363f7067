import { day } from './calendar.js';
import type { Generation } from './context.js';
import type { Employee } from './employees.js';

/** One CRM Campaign per 50 customers (at least 3); returns their ids. */
export function writeCampaigns(
  gen: Generation,
  customerCount: number,
  employees: readonly Employee[],
): string[] {
  const { random, crm } = gen;
  const campaigns: string[] = [];
  const campaignCount = Math.max(3, Math.ceil(customerCount / 50));
  for (let c = 0; c < campaignCount; c++) {
    const id = gen.ids.campaign.next();
    campaigns.push(id);
    const start = -random.int(10, 600);
    const budget = random.int(10, 500) * 100;
    crm.Campaign.insert({
      Id: id,
      Name: `${random.pick(['Spring', 'Summer', 'Autumn', 'Winter'])} ${random.pick(['Webinar', 'Trade Show', 'Mailing', 'Promo'])} ${c + 1}`,
      Type: random.pick(['Webinar', 'Trade Show', 'Email', 'Direct Mail']),
      Status: start + 60 < 0 ? 'Completed' : 'In Progress',
      StartDate: day(start),
      EndDate: day(start + 60),
      BudgetedCost: budget,
      ActualCost: Math.round(budget * (0.5 + random.float() * 0.7)),
      ExpectedRevenue: budget * random.int(3, 10),
      IsActive: start + 60 >= 0,
      OwnerId: random.pick(employees).userId,
      ...gen.sfSystem(day(start - 20)),
    });
  }
  return campaigns;
}
