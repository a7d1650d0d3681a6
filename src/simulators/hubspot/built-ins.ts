// The object types every portal has (companies, contacts) with the built-in properties the sync reads or writes,
// and the HubSpot-defined association types between them.
import { COMPANIES, CONTACTS } from './model';
import type { Portal } from './portal';
import { standardProperty } from './values';

export function addBuiltIns(portal: Portal): void {
  addCompanies(portal);
  addContacts(portal);
  // Built-in association type ids are the same in every portal.
  portal.graph.addPair(CONTACTS, COMPANIES, 279, 280, 'HUBSPOT_DEFINED', null, true);
  portal.graph.addPair(CONTACTS, COMPANIES, 1, 2, 'HUBSPOT_DEFINED', 'Primary', false);
}

function addCompanies(portal: Portal): void {
  const group = 'companyinformation';
  const companies = portal.addType(COMPANIES, 'companies', 'company', group, [
    'name',
    'domain',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ]);
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
  const contacts = portal.addType(CONTACTS, 'contacts', 'contact', group, [
    'email',
    'firstname',
    'lastname',
    'createdate',
    'lastmodifieddate',
    'hs_object_id',
  ]);
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
