import { decodeCursor, foreignCursor, pageSize, positionedConnection } from '../../../lib/connections.js';
import { isPagePosition } from '../../erp/client/lists.js';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import { agingDay, receivablesAging } from '../aging.js';
import { salesForecast } from '../forecast.js';
import { salesSummary } from '../salesSummary.js';

/** Cursors of receivablesAging.customers: a position in BC's agedAccountsReceivables (erp/client/lists.ts). */
const AGED_CUSTOMERS = 'agedReceivables';

export const reportResolvers: Pick<Resolvers, 'Query' | 'ReceivablesAging' | 'AgedCustomer'> = {
  Query: {
    salesSummary: (_parent, args, ctx) => salesSummary(ctx.readers, args),
    salesForecast: (_parent, args, ctx) => salesForecast(ctx.readers, args),
    receivablesAging: (_parent, args, ctx) => receivablesAging(ctx.readers, args),
  },
  ReceivablesAging: {
    customers: async (aging, args, ctx) => {
      const size = pageSize(args.first);
      const position = decodeCursor(args.after, AGED_CUSTOMERS, isPagePosition);
      const page = await ctx.readers.reporting.agedReceivablesPage(
        agingDay(aging.asOf, ctx.now()),
        size,
        position,
        ctx.requestId,
      );
      if (page === undefined) throw foreignCursor();
      return positionedConnection(
        AGED_CUSTOMERS,
        {
          edges: page.edges.map(({ node, position: at }) => ({
            position: at,
            node: {
              customerId: node.customerId,
              customerNumber: node.customerNumber,
              name: node.name,
              balanceDue: node.balanceDue,
              current: node.current,
              days1To30: node.period1,
              days31To60: node.period2,
              over60Days: node.period3,
            },
          })),
          next: page.next,
        },
        position,
      );
    },
  },
  AgedCustomer: {
    customer: (aged) => (aged.customerId ? { id: aged.customerId } : null),
  },
};
