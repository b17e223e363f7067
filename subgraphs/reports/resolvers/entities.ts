import type { Resolvers } from '../__generated__/resolvers-types.js';
import { returnOnInvestment } from '../campaigns.js';
import type { ReportsContext } from '../context.js';
import { period, today } from '../dates.js';
import { emailArgument, mayReadFiguresOf, refuseFigures } from '../employees.js';
import type { CampaignModel, EmployeeModel } from '../models.js';

/** The campaign's figures (every campaign of the answer in one batch). */
const figuresOf = (campaign: CampaignModel, ctx: ReportsContext) =>
  ctx.loaders.campaignFigures.load(campaign.id);

async function revenueOf(campaign: CampaignModel, ctx: ReportsContext) {
  const figures = await figuresOf(campaign, ctx);
  return ctx.loaders.invoicedRevenue.load({
    campaignId: campaign.id,
    startDate: campaign.startDate ?? null,
    memberCustomers: figures.memberCustomerCount,
  });
}

/** A person's CRM figures, once the caller may see them. */
function employeeFiguresOf(employee: EmployeeModel, ctx: ReportsContext) {
  if (!mayReadFiguresOf(ctx.principal, employee.email)) refuseFigures();
  return ctx.loaders.employeeFigures.load(employee.email);
}

const person = (ctx: ReportsContext, email: string) => ctx.loaders.people.load(emailArgument(email));

export const entityResolvers: Pick<Resolvers, 'Query' | 'Campaign' | 'Employee'> = {
  Query: {
    employee: (_parent, args, ctx) => person(ctx, args.email),
    me: (_parent, _args, ctx) => (ctx.principal.crmUser ? person(ctx, ctx.principal.crmUser) : null),
  },
  Campaign: {
    __resolveReference: (reference) => ({
      id: reference.id,
      ...('startDate' in reference ? { startDate: reference.startDate ?? null } : {}),
      ...('actualCost' in reference ? { actualCost: reference.actualCost ?? null } : {}),
    }),
    memberCount: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).memberCount,
    respondedCount: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).respondedCount,
    memberCustomerCount: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).memberCustomerCount,
    pipeline: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).pipeline,
    wonAmount: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).wonAmount,
    wonOpportunities: async (campaign, _args, ctx) => (await figuresOf(campaign, ctx)).wonOpportunities,
    invoicedRevenue: (campaign, _args, ctx) => revenueOf(campaign, ctx),
    returnOnInvestment: async (campaign, _args, ctx) =>
      returnOnInvestment(await revenueOf(campaign, ctx), campaign.actualCost ?? null),
  },
  Employee: {
    __resolveReference: (reference) => ({
      email: reference.email,
      ...('employeeNumber' in reference ? { employeeNumber: reference.employeeNumber ?? null } : {}),
    }),
    openPipeline: async (employee, _args, ctx) => (await employeeFiguresOf(employee, ctx)).openPipeline,
    weightedPipeline: async (employee, _args, ctx) =>
      (await employeeFiguresOf(employee, ctx)).weightedPipeline,
    openOpportunities: async (employee, _args, ctx) =>
      (await employeeFiguresOf(employee, ctx)).openOpportunities,
    openCaseCount: async (employee, _args, ctx) => (await employeeFiguresOf(employee, ctx)).openCaseCount,
    invoicedSales: async (employee, args, ctx) => {
      if (!mayReadFiguresOf(ctx.principal, employee.email)) refuseFigures();
      const now = today(ctx.now());
      const from = args.from ?? `${now.slice(0, 7)}-01`;
      const to = args.to ?? now;
      const within = period(from, to, { days: 366 });
      if (!employee.employeeNumber) return [];
      return ctx.loaders.invoicedSales.load({ employeeNumber: employee.employeeNumber, ...within });
    },
  },
};
