import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Asset, Warranty } from './asset.js';
import { Campaign, CampaignMember } from './campaign.js';
import { Contact } from './contact.js';
import { CreditMemo } from './creditMemo.js';
import { Customer } from './customer.js';
import { Employee } from './employee.js';
import { Interaction } from './interaction.js';
import { Opportunity } from './opportunity.js';
import { Product } from './product.js';
import { Query } from './query.js';
import { Quote, QuoteLine } from './quote.js';
import { SalesOrder } from './salesOrder.js';
import { SupportCase } from './supportCase.js';

export const resolvers: Resolvers = {
  Query,
  Campaign,
  CampaignMember,
  Customer,
  Contact,
  CreditMemo,
  Employee,
  Interaction,
  Opportunity,
  Product,
  Quote,
  QuoteLine,
  SalesOrder,
  SupportCase,
  Asset,
  Warranty,
};
