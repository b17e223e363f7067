/**
 * The storage model both stand-ins serve: one SQLite table per ERP entity set and per CRM
 * sObject, columns named exactly as the emulated API names the fields (Business Central API
 * v2.0 camelCase; Salesforce PascalCase with `__c` for custom fields). The stand-ins serve a
 * table generically from this description, so adding a field is one line here plus its value
 * in the generator.
 *
 * Column kinds decide how a value is stored in SQLite and written to JSON:
 * - guid, text, date (YYYY-MM-DD), datetime (ISO 8601 with Z), id18 (Salesforce 18-char id): TEXT
 * - integer: INTEGER; decimal: REAL rounded to 2 places, written as a JSON number (as BC and
 *   Salesforce do); boolean: INTEGER 0/1, written as true/false.
 */
export type ColumnKind = 'guid' | 'id18' | 'text' | 'date' | 'datetime' | 'integer' | 'decimal' | 'boolean';

export interface TableDef {
  /** Table name in SQLite; equals the entity set (ERP) or sObject name (CRM). */
  readonly name: string;
  /** Primary key column. */
  readonly key: string;
  readonly columns: Readonly<Record<string, ColumnKind>>;
  /** Columns indexed for filtering, joining and ordering (besides the key). */
  readonly indexes: readonly string[];
  /**
   * Indexes over several columns, named by their first two: for a filter with an order (a
   * customer's orders newest first) the index gives the rows in order, so a page stops after
   * its rows instead of sorting all matches. Entries are column names with an optional ` DESC`.
   */
  readonly compositeIndexes: readonly (readonly string[])[];
}

function table(
  name: string,
  key: string,
  columns: Record<string, ColumnKind>,
  indexes: readonly string[] = [],
  compositeIndexes: readonly (readonly string[])[] = [],
): TableDef {
  return { name, key, columns, indexes, compositeIndexes };
}

const address = (prefix: string): Record<string, ColumnKind> => ({
  [`${prefix}AddressLine1`]: 'text',
  [`${prefix}AddressLine2`]: 'text',
  [`${prefix}City`]: 'text',
  [`${prefix}Country`]: 'text',
  [`${prefix}State`]: 'text',
  [`${prefix}PostCode`]: 'text',
});

const salesDocumentLine: Record<string, ColumnKind> = {
  id: 'guid',
  documentId: 'guid',
  sequence: 'integer',
  itemId: 'guid',
  accountId: 'guid',
  lineType: 'text', // Comment | Account | Item | Resource | Fixed Asset | Charge
  lineObjectNumber: 'text',
  description: 'text',
  unitOfMeasureCode: 'text',
  quantity: 'decimal',
  unitPrice: 'decimal',
  discountAmount: 'decimal',
  discountPercent: 'decimal',
  taxCode: 'text',
  taxPercent: 'decimal',
  amountExcludingTax: 'decimal',
  totalTaxAmount: 'decimal',
  amountIncludingTax: 'decimal',
  netAmount: 'decimal',
  netTaxAmount: 'decimal',
  netAmountIncludingTax: 'decimal',
};

/** Business Central API v2.0 entity sets (plus the custom warranty/item ledger/BOM API). */
export const ERP_TABLES = {
  customers: table(
    'customers',
    'id',
    {
      id: 'guid',
      number: 'text',
      displayName: 'text',
      type: 'text', // Company | Person
      addressLine1: 'text',
      addressLine2: 'text',
      city: 'text',
      state: 'text',
      country: 'text',
      postalCode: 'text',
      phoneNumber: 'text',
      email: 'text',
      website: 'text',
      salespersonCode: 'text',
      balanceDue: 'decimal',
      creditLimit: 'decimal',
      taxLiable: 'boolean',
      taxAreaId: 'guid',
      taxAreaDisplayName: 'text',
      taxRegistrationNumber: 'text',
      currencyId: 'guid',
      currencyCode: 'text',
      paymentTermsId: 'guid',
      shipmentMethodId: 'guid',
      paymentMethodId: 'guid',
      blocked: 'text', // " " (not blocked) | Ship | Invoice | All
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'displayName', 'email', 'lastModifiedDateTime'],
  ),
  customerFinancialDetails: table(
    'customerFinancialDetails',
    'id',
    {
      id: 'guid', // = customer id
      number: 'text',
      balance: 'decimal',
      totalSalesExcludingTax: 'decimal',
      overdueAmount: 'decimal',
    },
    ['number'],
  ),
  agedAccountsReceivables: table(
    'agedAccountsReceivables',
    'customerId',
    {
      customerId: 'guid',
      customerNumber: 'text',
      name: 'text',
      currencyCode: 'text',
      balanceDue: 'decimal',
      currentAmount: 'decimal',
      period1Amount: 'decimal',
      period2Amount: 'decimal',
      period3Amount: 'decimal',
      agedAsOfDate: 'date',
      periodLengthFilter: 'text',
    },
    ['customerNumber'],
  ),
  items: table(
    'items',
    'id',
    {
      id: 'guid',
      number: 'text',
      displayName: 'text',
      displayName2: 'text',
      type: 'text', // Inventory | Service | Non-Inventory
      itemCategoryId: 'guid',
      itemCategoryCode: 'text',
      blocked: 'boolean',
      gtin: 'text',
      inventory: 'decimal',
      unitPrice: 'decimal',
      priceIncludesTax: 'boolean',
      unitCost: 'decimal',
      taxGroupId: 'guid',
      taxGroupCode: 'text',
      baseUnitOfMeasureId: 'guid',
      baseUnitOfMeasureCode: 'text',
      generalProductPostingGroupCode: 'text',
      inventoryPostingGroupCode: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'displayName'],
  ),
  salesQuotes: table(
    'salesQuotes',
    'id',
    {
      id: 'guid',
      number: 'text',
      externalDocumentNumber: 'text',
      documentDate: 'date',
      postingDate: 'date',
      dueDate: 'date',
      customerId: 'guid',
      customerNumber: 'text',
      customerName: 'text',
      billToName: 'text',
      billToCustomerId: 'guid',
      billToCustomerNumber: 'text',
      shipToName: 'text',
      shipToContact: 'text',
      ...address('sellTo'),
      ...address('billTo'),
      ...address('shipTo'),
      currencyId: 'guid',
      currencyCode: 'text',
      paymentTermsId: 'guid',
      shipmentMethodId: 'guid',
      salesperson: 'text',
      discountAmount: 'decimal',
      totalAmountExcludingTax: 'decimal',
      totalTaxAmount: 'decimal',
      totalAmountIncludingTax: 'decimal',
      status: 'text', // Draft | Sent | Accepted | Expired
      sentDate: 'datetime',
      validUntilDate: 'date',
      acceptedDate: 'date',
      phoneNumber: 'text',
      email: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'customerId', 'externalDocumentNumber', 'documentDate'],
  ),
  salesQuoteLines: table('salesQuoteLines', 'id', salesDocumentLine, ['documentId', 'itemId']),
  salesOrders: table(
    'salesOrders',
    'id',
    {
      id: 'guid',
      number: 'text',
      externalDocumentNumber: 'text',
      orderDate: 'date',
      postingDate: 'date',
      customerId: 'guid',
      customerNumber: 'text',
      customerName: 'text',
      billToName: 'text',
      billToCustomerId: 'guid',
      billToCustomerNumber: 'text',
      shipToName: 'text',
      shipToContact: 'text',
      ...address('sellTo'),
      ...address('billTo'),
      ...address('shipTo'),
      currencyId: 'guid',
      currencyCode: 'text',
      pricesIncludeTax: 'boolean',
      paymentTermsId: 'guid',
      shipmentMethodId: 'guid',
      salesperson: 'text',
      partialShipping: 'boolean',
      requestedDeliveryDate: 'date',
      discountAmount: 'decimal',
      discountAppliedBeforeTax: 'boolean',
      totalAmountExcludingTax: 'decimal',
      totalTaxAmount: 'decimal',
      totalAmountIncludingTax: 'decimal',
      fullyShipped: 'boolean',
      status: 'text', // Draft | In Review | Open | Released
      phoneNumber: 'text',
      email: 'text',
      lastModifiedDateTime: 'datetime',
    },
    // orderDate alone: the (orderDate, number, id) index below leads with it.
    ['number', 'customerId', 'externalDocumentNumber'],
    // A customer's orders newest first (the ERP subgraph's per-customer page); every customer's,
    // and those of one customer number, in the same order (the root list salesOrders).
    [
      ['customerId', 'orderDate DESC', 'number DESC', 'id'],
      ['orderDate DESC', 'number DESC', 'id'],
      ['customerNumber', 'orderDate DESC', 'number DESC', 'id'],
    ],
  ),
  salesOrderLines: table(
    'salesOrderLines',
    'id',
    { ...salesDocumentLine, shipmentDate: 'date', shippedQuantity: 'decimal', invoicedQuantity: 'decimal' },
    ['documentId', 'itemId'],
  ),
  salesInvoices: table(
    'salesInvoices',
    'id',
    {
      id: 'guid',
      number: 'text',
      externalDocumentNumber: 'text',
      invoiceDate: 'date',
      postingDate: 'date',
      dueDate: 'date',
      customerPurchaseOrderReference: 'text',
      customerId: 'guid',
      customerNumber: 'text',
      customerName: 'text',
      billToName: 'text',
      billToCustomerId: 'guid',
      billToCustomerNumber: 'text',
      shipToName: 'text',
      shipToContact: 'text',
      ...address('sellTo'),
      ...address('billTo'),
      ...address('shipTo'),
      currencyId: 'guid',
      currencyCode: 'text',
      orderId: 'guid',
      orderNumber: 'text',
      paymentTermsId: 'guid',
      shipmentMethodId: 'guid',
      salesperson: 'text',
      pricesIncludeTax: 'boolean',
      discountAmount: 'decimal',
      discountAppliedBeforeTax: 'boolean',
      totalAmountExcludingTax: 'decimal',
      totalTaxAmount: 'decimal',
      totalAmountIncludingTax: 'decimal',
      remainingAmount: 'decimal',
      status: 'text', // Draft | In Review | Open | Paid | Canceled | Corrective
      phoneNumber: 'text',
      email: 'text',
      lastModifiedDateTime: 'datetime',
    },
    // dueDate alone: the (dueDate, number, id) index below leads with it.
    ['number', 'customerId', 'orderId', 'invoiceDate'],
    // A customer's newest first; the root list invoices: earliest due first, of all customers or one number.
    [
      ['customerId', 'invoiceDate DESC', 'number DESC', 'id'],
      ['dueDate', 'number', 'id'],
      ['customerNumber', 'dueDate', 'number', 'id'],
    ],
  ),
  salesInvoiceLines: table('salesInvoiceLines', 'id', { ...salesDocumentLine, shipmentDate: 'date' }, [
    'documentId',
    'itemId',
  ]),
  salesCreditMemos: table(
    'salesCreditMemos',
    'id',
    {
      id: 'guid',
      number: 'text',
      externalDocumentNumber: 'text',
      creditMemoDate: 'date',
      postingDate: 'date',
      dueDate: 'date',
      customerId: 'guid',
      customerNumber: 'text',
      customerName: 'text',
      billToName: 'text',
      billToCustomerId: 'guid',
      billToCustomerNumber: 'text',
      ...address('sellTo'),
      ...address('billTo'),
      currencyId: 'guid',
      currencyCode: 'text',
      paymentTermsId: 'guid',
      shipmentMethodId: 'guid',
      salesperson: 'text',
      pricesIncludeTax: 'boolean',
      discountAmount: 'decimal',
      discountAppliedBeforeTax: 'boolean',
      totalAmountExcludingTax: 'decimal',
      totalTaxAmount: 'decimal',
      totalAmountIncludingTax: 'decimal',
      status: 'text', // Draft | In Review | Open | Paid | Canceled | Corrective
      invoiceId: 'guid', // the posted invoice it corrects
      invoiceNumber: 'text',
      customerReturnReasonId: 'guid',
      phoneNumber: 'text',
      email: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'customerId', 'invoiceId', 'externalDocumentNumber', 'creditMemoDate'],
    [['customerId', 'creditMemoDate DESC', 'number DESC', 'id']],
  ),
  salesCreditMemoLines: table('salesCreditMemoLines', 'id', { ...salesDocumentLine, shipmentDate: 'date' }, [
    'documentId',
    'itemId',
  ]),
  salesShipments: table(
    'salesShipments',
    'id',
    {
      id: 'guid',
      number: 'text',
      externalDocumentNumber: 'text',
      documentDate: 'date',
      postingDate: 'date',
      shipmentDate: 'date',
      customerId: 'guid',
      customerNumber: 'text',
      customerName: 'text',
      billToName: 'text',
      billToCustomerId: 'guid',
      billToCustomerNumber: 'text',
      shipToName: 'text',
      shipToContact: 'text',
      ...address('sellTo'),
      ...address('billTo'),
      ...address('shipTo'),
      currencyCode: 'text',
      orderNumber: 'text',
      paymentTermsCode: 'text',
      shipmentMethodCode: 'text',
      salesperson: 'text',
      phoneNumber: 'text',
      email: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'customerId', 'orderNumber', 'shipmentDate'],
  ),
  salesShipmentLines: table(
    'salesShipmentLines',
    'id',
    {
      id: 'guid',
      documentId: 'guid',
      documentNo: 'text',
      sequence: 'integer',
      lineType: 'text',
      lineObjectNumber: 'text',
      description: 'text',
      unitOfMeasureCode: 'text',
      unitPrice: 'decimal',
      quantity: 'decimal',
      discountPercent: 'decimal',
      taxPercent: 'decimal',
      shipmentDate: 'date',
    },
    ['documentId', 'lineObjectNumber'],
  ),
  customerPayments: table(
    'customerPayments',
    'id',
    {
      id: 'guid',
      journalId: 'guid',
      journalDisplayName: 'text',
      lineNumber: 'integer',
      customerId: 'guid',
      customerNumber: 'text',
      contactId: 'text',
      postingDate: 'date',
      documentNumber: 'text',
      externalDocumentNumber: 'text',
      amount: 'decimal',
      appliesToInvoiceId: 'guid',
      appliesToInvoiceNumber: 'text',
      description: 'text',
      comment: 'text',
      lastModifiedDateTime: 'datetime',
    },
    // postingDate alone: the (postingDate, id) index below leads with it.
    ['customerId', 'appliesToInvoiceId'],
    // The root list payments: newest first, of all customers or one customer number.
    [
      ['postingDate DESC', 'id DESC'],
      ['customerNumber', 'postingDate DESC', 'id DESC'],
    ],
  ),
  employees: table(
    'employees',
    'id',
    {
      id: 'guid',
      number: 'text',
      displayName: 'text',
      givenName: 'text',
      middleName: 'text',
      surname: 'text',
      jobTitle: 'text',
      addressLine1: 'text',
      addressLine2: 'text',
      city: 'text',
      state: 'text',
      country: 'text',
      postalCode: 'text',
      phoneNumber: 'text',
      mobilePhone: 'text',
      email: 'text', // company e-mail: equals the CRM User.Email of the same person
      personalEmail: 'text',
      employmentDate: 'date',
      terminationDate: 'date',
      status: 'text', // Active | Inactive
      birthDate: 'date',
      statisticsGroupCode: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['number', 'email'],
  ),
  // Custom API (publisher "contoso", group "customerGraph", v1.0): what a BC customer adds for
  // data the standard API lacks.
  warrantyLedgerEntries: table(
    'warrantyLedgerEntries',
    'id',
    {
      id: 'guid',
      entryNumber: 'integer',
      customerId: 'guid',
      customerNumber: 'text',
      itemId: 'guid',
      itemNumber: 'text',
      serialNumber: 'text',
      postingDate: 'date',
      description: 'text',
      amount: 'decimal', // cost of the warranty work, in LCY
      currencyCode: 'text',
      lastModifiedDateTime: 'datetime',
    },
    ['customerId', 'serialNumber', 'itemId'],
  ),
  // What left the warehouse for a customer: one entry per shipment line, one per unit of a
  // serialized item (quantity -1 and its serial number), as BC posts a sale.
  itemLedgerEntries: table(
    'itemLedgerEntries',
    'id',
    {
      id: 'guid',
      entryNumber: 'integer',
      entryType: 'text', // Sale
      postingDate: 'date', // the shipment date
      documentType: 'text', // Sales Shipment
      documentNumber: 'text', // the shipment number
      documentLineNumber: 'integer', // the shipment line's sequence
      orderNumber: 'text',
      itemId: 'guid',
      itemNumber: 'text',
      description: 'text',
      customerId: 'guid',
      customerNumber: 'text',
      quantity: 'decimal', // negative: a sale
      serialNumber: 'text', // '' when the item is not serialized
      lastModifiedDateTime: 'datetime',
    },
    ['customerId', 'serialNumber', 'documentNumber', 'itemId'],
    // A customer's purchases newest first (the ERP subgraph's purchased products).
    [['customerId', 'postingDate DESC', 'entryNumber DESC', 'id']],
  ),
  bomComponents: table(
    'bomComponents',
    'id',
    {
      id: 'guid',
      parentItemId: 'guid',
      parentItemNumber: 'text',
      lineNumber: 'integer',
      type: 'text', // Item | Resource
      componentItemId: 'guid',
      componentItemNumber: 'text',
      description: 'text',
      quantityPer: 'decimal',
      unitOfMeasureCode: 'text',
    },
    ['parentItemId', 'parentItemNumber', 'componentItemId'],
  ),
} as const satisfies Record<string, TableDef>;

const sfSystem: Record<string, ColumnKind> = {
  CreatedDate: 'datetime',
  LastModifiedDate: 'datetime',
  SystemModstamp: 'datetime',
  IsDeleted: 'boolean',
};

const sfAddress = (prefix: string): Record<string, ColumnKind> => ({
  [`${prefix}Street`]: 'text',
  [`${prefix}City`]: 'text',
  [`${prefix}State`]: 'text',
  [`${prefix}PostalCode`]: 'text',
  [`${prefix}Country`]: 'text',
});

/** Salesforce sObjects (API names). Every object has Id (18-char) and the system fields. */
export const CRM_TABLES = {
  User: table(
    'User',
    'Id',
    {
      Id: 'id18',
      Username: 'text',
      FirstName: 'text',
      LastName: 'text',
      Name: 'text',
      Email: 'text', // equals the ERP employee's email
      Title: 'text',
      Department: 'text',
      IsActive: 'boolean',
      ...sfSystem,
    },
    ['Email'],
  ),
  Account: table(
    'Account',
    'Id',
    {
      Id: 'id18',
      Name: 'text',
      AccountNumber: 'text', // the ERP customer number when linked
      ERP_Customer_Id__c: 'text', // the ERP customer's GUID (external id); null for prospects
      Type: 'text', // Prospect | Customer - Direct | Customer - Channel | Partner
      Industry: 'text',
      ...sfAddress('Billing'),
      ...sfAddress('Shipping'),
      Phone: 'text',
      Website: 'text',
      AnnualRevenue: 'decimal',
      NumberOfEmployees: 'integer',
      CurrencyIsoCode: 'text',
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['Name', 'ERP_Customer_Id__c', 'AccountNumber', 'OwnerId'],
  ),
  Contact: table(
    'Contact',
    'Id',
    {
      Id: 'id18',
      AccountId: 'id18',
      FirstName: 'text',
      LastName: 'text',
      Name: 'text',
      Salutation: 'text',
      Title: 'text',
      Email: 'text',
      Phone: 'text',
      MobilePhone: 'text',
      ...sfAddress('Mailing'),
      Contact_Role__c: 'text', // Sales | Support | Billing | Decision Maker
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['AccountId', 'Email'],
  ),
  Product2: table(
    'Product2',
    'Id',
    {
      Id: 'id18',
      Name: 'text',
      ProductCode: 'text', // the ERP item number
      ERP_Item_Id__c: 'text',
      Family: 'text',
      Description: 'text',
      IsActive: 'boolean',
      ...sfSystem,
    },
    ['ProductCode', 'ERP_Item_Id__c'],
  ),
  Campaign: table('Campaign', 'Id', {
    Id: 'id18',
    Name: 'text',
    Type: 'text',
    Status: 'text',
    StartDate: 'date',
    EndDate: 'date',
    BudgetedCost: 'decimal',
    ActualCost: 'decimal',
    ExpectedRevenue: 'decimal',
    IsActive: 'boolean',
    OwnerId: 'id18',
    ...sfSystem,
  }),
  CampaignMember: table(
    'CampaignMember',
    'Id',
    {
      Id: 'id18',
      CampaignId: 'id18',
      ContactId: 'id18',
      Status: 'text',
      HasResponded: 'boolean',
      ...sfSystem,
    },
    ['CampaignId', 'ContactId'],
  ),
  Opportunity: table(
    'Opportunity',
    'Id',
    {
      Id: 'id18',
      AccountId: 'id18',
      Name: 'text',
      StageName: 'text', // Prospecting | Qualification | Proposal/Price Quote | Negotiation/Review | Closed Won | Closed Lost
      Amount: 'decimal',
      CurrencyIsoCode: 'text',
      Probability: 'decimal',
      CloseDate: 'date',
      IsClosed: 'boolean',
      IsWon: 'boolean',
      LeadSource: 'text',
      CampaignId: 'id18',
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['AccountId', 'CloseDate', 'CampaignId', 'OwnerId'],
  ),
  Quote: table(
    'Quote',
    'Id',
    {
      Id: 'id18',
      Name: 'text',
      QuoteNumber: 'text',
      OpportunityId: 'id18',
      AccountId: 'id18',
      ContactId: 'id18',
      Status: 'text', // Draft | Needs Review | In Review | Approved | Rejected | Presented | Accepted | Denied
      ExpirationDate: 'date',
      CurrencyIsoCode: 'text',
      Subtotal: 'decimal',
      Discount: 'decimal',
      TotalPrice: 'decimal',
      Tax: 'decimal',
      GrandTotal: 'decimal',
      ERP_Order_Number__c: 'text', // set when the quote became an ERP sales order
      ERP_Order_Id__c: 'text',
      // The discount approval a sales rep sees on the quote: null status = never asked.
      Discount_Approval_Status__c: 'text', // Not Required | Pending | Approved | Rejected
      Discount_Approval_Level__c: 'text', // Manager | Director
      Discount_Approval_Percent__c: 'decimal', // the discount % asked for / decided on
      Discount_Approval_Requested_By__c: 'text',
      Discount_Approval_Decided_By__c: 'text',
      Discount_Approval_Decided_At__c: 'datetime',
      Discount_Approval_Comment__c: 'text',
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['AccountId', 'OpportunityId', 'QuoteNumber', 'ERP_Order_Number__c'],
  ),
  QuoteLineItem: table(
    'QuoteLineItem',
    'Id',
    {
      Id: 'id18',
      QuoteId: 'id18',
      Product2Id: 'id18',
      LineNumber: 'text',
      Description: 'text',
      Quantity: 'decimal',
      UnitPrice: 'decimal',
      Discount: 'decimal', // percent
      Subtotal: 'decimal',
      TotalPrice: 'decimal',
      ...sfSystem,
    },
    ['QuoteId', 'Product2Id'],
  ),
  Case: table(
    'Case',
    'Id',
    {
      Id: 'id18',
      CaseNumber: 'text',
      AccountId: 'id18',
      ContactId: 'id18',
      AssetId: 'id18',
      Subject: 'text',
      Description: 'text',
      Status: 'text', // New | Working | Escalated | Closed
      Priority: 'text', // High | Medium | Low
      Origin: 'text', // Phone | Email | Web
      Type: 'text', // Problem | Question | Complaint | Warranty Claim
      IsClosed: 'boolean',
      ClosedDate: 'datetime',
      EntitlementId: 'id18', // a warranty claim's entitlement (Salesforce entitlement management)
      ERP_Order_Number__c: 'text', // the ERP sales order a complaint is about
      OwnerId: 'id18',
      ...sfSystem,
    },
    [
      'AccountId',
      'ContactId',
      'CaseNumber',
      'CreatedDate',
      'AssetId',
      'EntitlementId',
      'ERP_Order_Number__c',
    ],
  ),
  Task: table(
    'Task',
    'Id',
    {
      Id: 'id18',
      WhatId: 'id18',
      WhoId: 'id18',
      AccountId: 'id18',
      Subject: 'text',
      Description: 'text',
      Status: 'text', // Not Started | In Progress | Completed
      Priority: 'text',
      ActivityDate: 'date',
      TaskSubtype: 'text', // Task | Email | Call
      Type: 'text',
      IsClosed: 'boolean',
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['AccountId', 'WhoId', 'WhatId', 'ActivityDate'],
    // An account's latest tasks first: read backwards, newest first with nulls last, as SOQL's
    // `ORDER BY ActivityDate DESC NULLS LAST, Id DESC` asks.
    [['AccountId', 'ActivityDate', 'Id']],
  ),
  Event: table(
    'Event',
    'Id',
    {
      Id: 'id18',
      WhatId: 'id18',
      WhoId: 'id18',
      AccountId: 'id18',
      Subject: 'text',
      Description: 'text',
      Location: 'text',
      StartDateTime: 'datetime',
      EndDateTime: 'datetime',
      ActivityDateTime: 'datetime',
      DurationInMinutes: 'integer',
      Type: 'text',
      OwnerId: 'id18',
      ...sfSystem,
    },
    ['AccountId', 'WhoId', 'WhatId', 'ActivityDateTime'],
    [['AccountId', 'ActivityDateTime', 'Id']],
  ),
  Asset: table(
    'Asset',
    'Id',
    {
      Id: 'id18',
      AccountId: 'id18',
      ContactId: 'id18',
      Product2Id: 'id18',
      Name: 'text',
      SerialNumber: 'text', // equals the ERP warranty ledger's serialNumber
      InstallDate: 'date',
      PurchaseDate: 'date',
      UsageEndDate: 'date',
      Status: 'text', // Purchased | Shipped | Installed | Registered | Obsolete
      ERP_Shipment_Number__c: 'text',
      ...sfSystem,
    },
    ['AccountId', 'SerialNumber', 'Product2Id'],
  ),
  Entitlement: table(
    'Entitlement',
    'Id',
    {
      Id: 'id18',
      AccountId: 'id18',
      AssetId: 'id18',
      Name: 'text',
      Type: 'text', // Warranty | Phone Support | Web Support
      StartDate: 'date',
      EndDate: 'date',
      Status: 'text', // Active | Expired | Inactive
      IsPerIncident: 'boolean', // each case against it uses one of CasesPerEntitlement
      CasesPerEntitlement: 'integer', // null = unlimited
      RemainingCases: 'integer', // null when unlimited; Salesforce counts it down per case
      ...sfSystem,
    },
    ['AccountId', 'AssetId'],
  ),
} as const satisfies Record<string, TableDef>;

export type ErpTableName = keyof typeof ERP_TABLES;
export type CrmTableName = keyof typeof CRM_TABLES;

const SQL_TYPE: Record<ColumnKind, string> = {
  guid: 'TEXT',
  id18: 'TEXT',
  text: 'TEXT',
  date: 'TEXT',
  datetime: 'TEXT',
  integer: 'INTEGER',
  decimal: 'REAL',
  boolean: 'INTEGER',
};

/** DDL for a set of tables. Text compares case-sensitively, as both systems' APIs do for keys. */
export function createTablesSql(tables: Record<string, TableDef>): string {
  const statements: string[] = [];
  for (const def of Object.values(tables)) {
    const columns = Object.entries(def.columns).map(
      ([column, kind]) => `"${column}" ${SQL_TYPE[kind]}${column === def.key ? ' PRIMARY KEY' : ''}`,
    );
    statements.push(`CREATE TABLE IF NOT EXISTS "${def.name}" (${columns.join(', ')})`);
    statements.push(...indexStatements(def));
  }
  return statements.join(';\n') + ';';
}

/**
 * The model's CREATE INDEX IF NOT EXISTS statements alone: the stand-ins run them on open, so
 * a data file generated before an index joined the model gets it.
 */
export function createIndexesSql(tables: Record<string, TableDef>): string {
  return Object.values(tables).flatMap(indexStatements).join(';\n') + ';';
}

function indexStatements(def: TableDef): string[] {
  const statements = def.indexes.map(
    (column) => `CREATE INDEX IF NOT EXISTS "ix_${def.name}_${column}" ON "${def.name}" ("${column}")`,
  );
  for (const parts of def.compositeIndexes) {
    const columns = parts.map((part) => {
      const [column, direction] = part.split(' ');
      if (!column || !(column in def.columns) || (direction !== undefined && direction !== 'DESC'))
        throw new Error(`bad composite index column '${part}' on ${def.name}`);
      return `"${column}"${direction ? ' DESC' : ''}`;
    });
    const name = parts
      .slice(0, 2)
      .map((part) => part.split(' ')[0])
      .join('_');
    statements.push(
      `CREATE INDEX IF NOT EXISTS "ix_${def.name}_${name}" ON "${def.name}" (${columns.join(', ')})`,
    );
  }
  return statements;
}
