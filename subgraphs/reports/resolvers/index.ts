import type { Resolvers } from '../__generated__/resolvers-types.js';
import { dataQualityResolvers } from './dataQuality.js';
import { entityResolvers } from './entities.js';
import { reportResolvers } from './reports.js';

export const resolvers: Resolvers = {
  ...reportResolvers,
  ...entityResolvers,
  ...dataQualityResolvers,
  Query: { ...reportResolvers.Query, ...entityResolvers.Query, ...dataQualityResolvers.Query },
};
