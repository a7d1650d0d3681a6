// The object types every portal has (companies, contacts, tickets) with their default property group and the
// built-in properties the sync reads or writes, and the HubSpot-defined association types between them.
import { COMPANIES, CONTACTS, TICKETS } from './model';
import type { Portal } from './portal';
import { standardProperty } from './values';

export function addBuiltIns(portal: Portal): void {
  addCompanies(portal);
  addContacts(portal);
  addTickets(portal);
  // Built-in association type ids are the same in every portal (HubSpot's associations v4 documentation,
  // "Association type IDs"): the unlabelled default pair first, then the `Primary` one.
  const graph = portal.graph;
  graph.addPair(CONTACTS, COMPANIES, 279, 280, 'HUBSPOT_DEFINED', null, true);
  graph.addPair(CONTACTS, COMPANIES, 1, 2, 'HUBSPOT_DEFINED', 'Primary', false);
  graph.addPair(TICKETS, CONTACTS, 16, 15, 'HUBSPOT_DEFINED', null, true);
  graph.addPair(TICKETS, COMPANIES, 339, 340, 'HUBSPOT_DEFINED', null, true);
  graph.addPair(TICKETS, COMPANIES, 26, 25, 'HUBSPOT_DEFINED', 'Primary', false);
}

function addCompanies(portal: Portal): void {
  const group = 'companyinformation';
  const companies = portal.addType({
    objectTypeId: COMPANIES,
    name: 'companies',
    singular: 'company',
    labels: { singular: 'Company', plural: 'Companies' },
    group: { name: group, label: 'Company information' },
    defaultProperties: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  });
  for (const def of [
    standardProperty('name', 'string', group, { label: 'Company name' }),
    standardProperty('domain', 'string', group, { label: 'Company Domain Name' }),
    standardProperty('annualrevenue', 'number', group, { label: 'Annual Revenue' }),
    // An enumeration in HubSpot; a string here (the simulator checks no option lists).
    standardProperty('industry', 'string', group, { label: 'Industry' }),
    standardProperty('hs_additional_domains', 'enumeration', group, {
      label: 'Additional Domains',
      fieldType: 'checkbox',
    }),
  ]) {
    companies.properties.set(def.name, def);
  }
}

function addContacts(portal: Portal): void {
  const group = 'contactinformation';
  const contacts = portal.addType({
    objectTypeId: CONTACTS,
    name: 'contacts',
    singular: 'contact',
    labels: { singular: 'Contact', plural: 'Contacts' },
    group: { name: group, label: 'Contact information' },
    defaultProperties: ['email', 'firstname', 'lastname', 'createdate', 'lastmodifieddate', 'hs_object_id'],
  });
  for (const def of [
    // HubSpot reports email as non-unique, yet enforces it and accepts it as an upsert idProperty.
    standardProperty('email', 'string', group, { label: 'Email' }),
    standardProperty('firstname', 'string', group, { label: 'First Name' }),
    standardProperty('lastname', 'string', group, { label: 'Last Name' }),
    standardProperty('company', 'string', group, { label: 'Company Name' }),
    standardProperty('jobtitle', 'string', group, { label: 'Job Title' }),
    standardProperty('lifecyclestage', 'string', group, { label: 'Lifecycle Stage' }),
    standardProperty('lastmodifieddate', 'datetime', group),
  ]) {
    contacts.properties.set(def.name, def);
  }
  contacts.unique.set('email', new Map());
}

/**
 * Tickets (`0-5`): a create needs `subject` and `hs_pipeline_stage`, a stage of its `hs_pipeline` (tickets.ts).
 * Pipeline and stage are enumerations whose options are the portal's pipelines, checked there rather than here.
 */
function addTickets(portal: Portal): void {
  const group = 'ticketinformation';
  const options = (values: string[]) =>
    values.map((value, displayOrder) => ({ label: value, value, displayOrder, hidden: false }));
  const tickets = portal.addType({
    objectTypeId: TICKETS,
    name: 'tickets',
    singular: 'ticket',
    labels: { singular: 'Ticket', plural: 'Tickets' },
    group: { name: group, label: 'Ticket information' },
    defaultProperties: [
      'subject',
      'content',
      'hs_pipeline',
      'hs_pipeline_stage',
      'hs_ticket_category',
      'hs_ticket_priority',
      'createdate',
      'hs_lastmodifieddate',
      'hs_object_id',
    ],
  });
  for (const def of [
    standardProperty('subject', 'string', group, { label: 'Ticket name' }),
    standardProperty('content', 'string', group, { label: 'Ticket description', fieldType: 'textarea' }),
    standardProperty('hs_pipeline', 'enumeration', group, { label: 'Pipeline', fieldType: 'select' }),
    standardProperty('hs_pipeline_stage', 'enumeration', group, {
      label: 'Ticket status',
      fieldType: 'select',
    }),
    standardProperty('hs_ticket_priority', 'enumeration', group, {
      label: 'Priority',
      fieldType: 'select',
      options: options(['LOW', 'MEDIUM', 'HIGH']),
    }),
    // The options an integration's report quotes HubSpot listing (*unconfirmed* as complete).
    standardProperty('hs_ticket_category', 'enumeration', group, {
      label: 'Category',
      fieldType: 'checkbox',
      options: options(['PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY']),
    }),
  ]) {
    tickets.properties.set(def.name, def);
  }
}
